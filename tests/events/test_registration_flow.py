"""Registering through the pages: members, guests, the personal link, waiting list and offers."""

import re
from datetime import timedelta

from flask import g
from flask.testing import FlaskClient
from sqlalchemy import func, select

from netzwerk.db import db, utcnow
from netzwerk.events import operations
from netzwerk.events.cli import events_cli
from netzwerk.events.models import Registration, RegistrationState, WaitlistMode
from netzwerk.events.reminders import send_reminders
from netzwerk.events.tokens import registration_token
from netzwerk.mailing.models import OutboxMessage
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord
from tests import factories
from tests.conftest import mail_body


class OwnUserClient(FlaskClient):
    """A client that does not see the user another client logged in.

    The app fixture keeps one app context for the whole test, and every request reuses
    it, so Flask-Login's cached user in `g` would otherwise carry over between clients.
    """

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def new_client(app) -> FlaskClient:
    app.test_client_class = OwnUserClient
    return app.test_client()


def login(app, member) -> FlaskClient:
    client = new_client(app)
    client.post("/login", data={"email": member.email, "password": factories.PASSWORD})
    return client


def registrations(event):
    return (
        db.session.execute(
            select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)
        )
        .scalars()
        .all()
    )


def registration_count(event) -> int:
    return db.session.execute(
        select(func.count()).select_from(Registration).where(Registration.event_id == event.id)
    ).scalar_one()


def manage_path(registration) -> str:
    return f"/anmeldung/{registration_token(registration)}"


def outbox_subjects(email: str) -> list[str]:
    return list(
        db.session.execute(select(OutboxMessage.subject).where(OutboxMessage.to_email == email))
        .scalars()
        .all()
    )


def link_in(body: str, path: str) -> str:
    match = re.search(r"http://netzwerk\.test(" + path + r"[^\s]*)", body)
    assert match, body
    return match.group(1)


def test_member_registers_in_one_step_and_gets_a_confirmation_with_ics(app, deliver):
    event = factories.make_event(capacity=5, workshops=[("Forum Kinderschutz", 1, 10)])
    member = factories.make_member(with_account=True)
    client = login(app, member)

    response = client.post(
        f"/veranstaltungen/{event.id}/anmelden",
        data={"slot_1": event.workshops[0].id},
        follow_redirects=True,
    )

    assert "Sie sind angemeldet" in response.get_data(as_text=True)
    (message,) = [m for m in deliver() if member.email in m["To"]]
    body = mail_body(message)
    assert "Ihr Platz ist bestätigt" in body and "Forum Kinderschutz" in body
    (ics,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics.get_param("method") == "REQUEST"
    assert b"METHOD:REQUEST" in ics.get_content().encode()


def test_personal_link_from_the_mail_changes_a_workshop_then_cancels(app, deliver):
    event = factories.make_event(capacity=1, workshops=[("Forum A", 1, 10), ("Forum B", 1, 10)])
    forum_a, forum_b = event.workshops
    member, next_in_line = (factories.make_member(with_account=True) for _ in range(2))
    login(app, member).post(f"/veranstaltungen/{event.id}/anmelden", data={"slot_1": forum_a.id})
    login(app, next_in_line).post(
        f"/veranstaltungen/{event.id}/anmelden", data={"slot_1": forum_a.id}
    )
    (confirmation,) = [m for m in deliver() if member.email in m["To"]]
    path = link_in(mail_body(confirmation), "/anmeldung/")
    anonymous = new_client(app)  # the link works without logging in

    response = anonymous.post(path, data={"slot_1": forum_b.id}, follow_redirects=True)
    assert "Workshop-Auswahl ist gespeichert" in response.get_data(as_text=True)
    first = registrations(event)[0]
    assert [(c.workshop_id, c.is_assigned) for c in first.workshop_choices] == [(forum_b.id, True)]

    question = anonymous.get(path + "/abmelden")
    assert "Wirklich abmelden?" in question.get_data(as_text=True)
    assert registrations(event)[0].state == RegistrationState.CONFIRMED  # GET changes nothing
    response = anonymous.post(path + "/abmelden", follow_redirects=True)
    assert "Sie sind abgemeldet" in response.get_data(as_text=True)

    db.session.expire_all()
    cancelled, promoted = registrations(event)
    assert cancelled.state == RegistrationState.CANCELLED
    assert promoted.state == RegistrationState.CONFIRMED
    messages = deliver()
    assert any("Abmeldung bestätigt" in m["Subject"] for m in messages if member.email in m["To"])
    assert any(
        "Ein Platz ist frei geworden" in m["Subject"]
        for m in messages
        if next_in_line.email in m["To"]
    )
    page = anonymous.get(path).get_data(as_text=True)
    assert "Diese Anmeldung ist abgemeldet" in page


def test_a_double_submit_finds_the_first_registration(app):
    event = factories.make_event(capacity=5)
    client = login(app, factories.make_member(with_account=True))

    client.post(f"/veranstaltungen/{event.id}/anmelden")
    response = client.post(f"/veranstaltungen/{event.id}/anmelden", follow_redirects=True)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "bereits angemeldet" in html and "Sie sind angemeldet" in html
    assert registration_count(event) == 1


def test_a_full_event_puts_the_member_on_the_waiting_list_with_position(app):
    event = factories.make_event(capacity=1)
    for _ in range(2):
        member = factories.make_member(with_account=True)
        response = login(app, member).post(
            f"/veranstaltungen/{event.id}/anmelden", follow_redirects=True
        )
    assert "Sie stehen auf der Warteliste (Platz 1)" in response.get_data(as_text=True)


def test_guest_holds_nothing_until_the_confirmation_button_is_pressed(app, client, deliver):
    event = factories.make_event(capacity=1, allows_guests=True)
    data = {
        "first_name": "Gerda",
        "last_name": "Gast",
        "email": "Gerda.Gast@Example.org",
        "employer_name": "Caritas",
        "school_name": "Grundschule am Park",
        "consent": "y",
    }
    response = client.post(f"/veranstaltungen/{event.id}/anmelden", data=data)
    assert response.status_code == 302
    sent_page = client.get(response.location).get_data(as_text=True)
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in sent_page

    (guest,) = registrations(event)
    assert guest.state == RegistrationState.UNCONFIRMED and guest.email == "gerda.gast@example.org"
    assert operations.free_places(event, utcnow()) == 1
    consent = db.session.execute(select(ConsentRecord)).scalar_one()
    assert consent.purpose == ConsentPurpose.EVENT_REGISTRATION

    (mail,) = deliver()
    confirm_path = link_in(mail_body(mail), "/anmeldung/")
    assert confirm_path.endswith("/bestaetigen")
    page = client.get(confirm_path)  # what a link-checking mail scanner does
    assert page.status_code == 200 and "Anmeldung bestätigen" in page.get_data(as_text=True)
    db.session.expire_all()
    assert registrations(event)[0].state == RegistrationState.UNCONFIRMED

    response = client.post(confirm_path, follow_redirects=True)
    assert "E-Mail-Adresse ist bestätigt" in response.get_data(as_text=True)
    db.session.expire_all()
    assert registrations(event)[0].state == RegistrationState.CONFIRMED


def test_guest_form_keeps_what_was_typed_and_explains_the_errors(app, client):
    event = factories.make_event(allows_guests=True)
    response = client.post(
        f"/veranstaltungen/{event.id}/anmelden",
        data={"first_name": "Gerda", "last_name": "Gast", "email": "kein-at-zeichen"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Gerda"' in html and 'value="kein-at-zeichen"' in html
    assert "gültige E-Mail-Adresse" in html and "Einwilligung" in html
    assert registration_count(event) == 0


def test_registration_before_opening_or_after_closing_is_refused(app):
    member = factories.make_member(with_account=True)
    client = login(app, member)
    not_yet = factories.make_event(registration_opens_dt=utcnow() + timedelta(days=2))
    closed = factories.make_event(registration_closes_dt=utcnow() - timedelta(hours=1))

    early = client.post(f"/veranstaltungen/{not_yet.id}/anmelden")
    late = client.post(f"/veranstaltungen/{closed.id}/anmelden")

    assert early.status_code == 409
    assert "Die Anmeldung ist noch nicht geöffnet" in early.get_data(as_text=True)
    assert late.status_code == 409
    assert "Die Anmeldefrist ist abgelaufen" in late.get_data(as_text=True)
    assert registration_count(not_yet) == registration_count(closed) == 0


def test_target_groups_restrict_who_may_register(app):
    event = factories.make_event(groups=["sofa"])
    client = login(app, factories.make_member(with_account=True, group="schuso"))

    page = client.get(f"/veranstaltungen/{event.id}").get_data(as_text=True)
    response = client.post(f"/veranstaltungen/{event.id}/anmelden")

    assert "Diese Veranstaltung richtet sich an: SOFA" in page
    assert response.status_code == 409
    assert registration_count(event) == 0
    sofa_client = login(app, factories.make_member(with_account=True, group="sofa"))
    assert sofa_client.post(f"/veranstaltungen/{event.id}/anmelden").status_code == 302


def test_a_full_workshop_is_refused_next_to_its_field(app):
    event = factories.make_event(workshops=[("Forum A", 1, 1), ("Forum B", 1, 5)])
    forum_a = event.workshops[0]
    login(app, factories.make_member(with_account=True)).post(
        f"/veranstaltungen/{event.id}/anmelden", data={"slot_1": forum_a.id}
    )

    response = login(app, factories.make_member(with_account=True)).post(
        f"/veranstaltungen/{event.id}/anmelden", data={"slot_1": forum_a.id}
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="slot_1-error"' in html and "ist leider ausgebucht" in html
    assert registration_count(event) == 1


def test_the_second_choice_is_used_when_the_first_is_full(app):
    event = factories.make_event(
        allows_second_choice=True, workshops=[("Forum A", 1, 1), ("Forum B", 1, 5)]
    )
    forum_a, forum_b = event.workshops
    login(app, factories.make_member(with_account=True)).post(
        f"/veranstaltungen/{event.id}/anmelden", data={"slot_1": forum_a.id}
    )

    response = login(app, factories.make_member(with_account=True)).post(
        f"/veranstaltungen/{event.id}/anmelden",
        data={"slot_1": forum_a.id, "slot_1_second": forum_b.id},
    )

    assert response.status_code == 302
    second = registrations(event)[1]
    assigned = [c.workshop_id for c in second.workshop_choices if c.is_assigned]
    assert assigned == [forum_b.id]


def test_forged_or_damaged_links_get_a_german_400_page(client):
    for path in ("/anmeldung/gefaelscht", "/anmeldung/gefaelscht/bestaetigen"):
        response = client.get(path)
        assert response.status_code == 400
        assert "Dieser Link ist ungültig" in response.get_data(as_text=True)
    assert client.post("/anmeldung/gefaelscht/abmelden").status_code == 400


def test_a_link_from_before_a_new_nonce_no_longer_opens_the_registration(app, client):
    event = factories.make_event()
    member = factories.make_member()
    registration = operations.register(event.id, operations.Applicant.from_member(member))
    db.session.commit()
    old_path = manage_path(registration)
    registration.token_nonce = "erneuert"
    db.session.commit()
    assert client.get(old_path).status_code == 400


def test_offer_mode_offers_the_place_and_passes_it_on_after_expiry(app, client):
    event = factories.make_event(capacity=1, waitlist_mode=WaitlistMode.OFFER, offer_hours=24)
    first, second, third = (factories.make_member() for _ in range(3))
    for member in (first, second, third):
        operations.register(event.id, operations.Applicant.from_member(member))
        db.session.commit()
    reg_first, reg_second, reg_third = registrations(event)

    client.post(manage_path(reg_first) + "/abmelden")
    db.session.expire_all()
    assert reg_second.state == RegistrationState.OFFERED
    assert any("Ein Platz für Sie" in s for s in outbox_subjects(second.email))
    page = client.get(manage_path(reg_second)).get_data(as_text=True)
    assert "Platz annehmen" in page

    passed_on = operations.expire_offers(now=utcnow() + timedelta(hours=25))
    db.session.commit()

    assert passed_on == 1
    assert reg_second.state == RegistrationState.CANCELLED
    assert reg_third.state == RegistrationState.OFFERED
    assert any("abgelaufen" in s for s in outbox_subjects(second.email))


def test_an_offered_place_is_accepted_from_the_personal_link(app, client):
    event = factories.make_event(capacity=1, waitlist_mode=WaitlistMode.OFFER)
    first, second = (factories.make_member() for _ in range(2))
    for member in (first, second):
        operations.register(event.id, operations.Applicant.from_member(member))
        db.session.commit()
    reg_first, reg_second = registrations(event)
    operations.cancel_registration(reg_first)
    db.session.commit()

    response = client.post(manage_path(reg_second) + "/platz-annehmen", follow_redirects=True)

    assert "Sie haben den Platz angenommen" in response.get_data(as_text=True)
    db.session.expire_all()
    assert reg_second.state == RegistrationState.CONFIRMED


def test_after_the_deadline_the_personal_link_only_shows_the_registration(app, client):
    event = factories.make_event(cancellation_deadline_dt=utcnow() - timedelta(hours=1))
    registration = operations.register(
        event.id, operations.Applicant.from_member(factories.make_member())
    )
    db.session.commit()

    page = client.get(manage_path(registration)).get_data(as_text=True)
    response = client.post(manage_path(registration) + "/abmelden")

    assert "Frist für Änderungen und Abmeldungen ist abgelaufen" in page
    assert "Von der Veranstaltung abmelden" not in page
    assert response.status_code == 409
    db.session.expire_all()
    assert registration.state == RegistrationState.CONFIRMED


def test_reminders_go_out_once_per_registration(app, runner):
    soon = factories.make_event(days_ahead=1, reminder_days=2)
    later = factories.make_event(days_ahead=10, reminder_days=2)
    member = factories.make_member()
    for event in (soon, later):
        operations.register(event.id, operations.Applicant.from_member(member))
        db.session.commit()

    assert send_reminders() == 1
    db.session.commit()
    assert send_reminders() == 0
    result = runner.invoke(events_cli, ["remind"])
    assert "0 Erinnerung" in result.output

    reminders = [s for s in outbox_subjects(member.email) if s.startswith("Erinnerung")]
    assert reminders == [f"Erinnerung: {soon.title}"]


def test_reminder_mail_names_time_place_and_personal_link(app, deliver):
    event = factories.make_event(days_ahead=1, reminder_days=2, venue="Bildungszentrum")
    member = factories.make_member()
    operations.register(event.id, operations.Applicant.from_member(member))
    db.session.commit()
    send_reminders()
    db.session.commit()

    (reminder,) = [m for m in deliver() if m["Subject"].startswith("Erinnerung")]
    body = mail_body(reminder)
    assert "Bildungszentrum" in body and "Uhr" in body
    assert "http://netzwerk.test/anmeldung/" in body


def test_the_mail_worker_passes_expired_offers_on_and_sends_reminders(app, smtp, runner):
    """Where nobody set up a timer for the event jobs, `mail send` runs them."""
    event = factories.make_event(
        capacity=1, days_ahead=1, reminder_days=2, waitlist_mode=WaitlistMode.OFFER
    )
    holder = factories.make_registration(event)
    offered = factories.make_registration(event)
    next_in_line = factories.make_registration(event)
    operations.cancel_registration(holder)
    db.session.commit()
    offered.offer_expires_dt = utcnow() - timedelta(minutes=1)  # nobody accepted in time
    attendee = factories.make_registration(factories.make_event(days_ahead=1, reminder_days=2))
    db.session.commit()

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "1 abgelaufene(s) Platzangebot(e) weitergegeben" in result.output
    db.session.refresh(next_in_line)
    assert next_in_line.state == RegistrationState.OFFERED
    received = {
        (m["To"].split("<")[-1].rstrip(">"), m["Subject"].split(":")[0]) for m in smtp.messages
    }
    assert (offered.email, "Ihr Platzangebot ist abgelaufen") in received
    assert (next_in_line.email, "Ein Platz für Sie") in received
    assert (attendee.email, "Erinnerung") in received


def test_a_waiting_person_leaves_the_list_by_the_personal_link(app):
    event = factories.make_event(capacity=1)
    holder = factories.make_registration(event)
    first_waiting = factories.make_registration(event)
    second_waiting = factories.make_registration(event)
    client = new_client(app)

    response = client.post(manage_path(first_waiting) + "/abmelden", follow_redirects=True)

    assert "Sie haben die Warteliste verlassen" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [r.state for r in registrations(event)] == [
        RegistrationState.CONFIRMED,  # the place stays with whoever holds it
        RegistrationState.CANCELLED,
        RegistrationState.WAITING,
    ]
    page = client.get(manage_path(second_waiting)).get_data(as_text=True)
    assert "Platz 1 auf der Warteliste" in page  # moved up in the queue
    assert holder.state == RegistrationState.CONFIRMED
