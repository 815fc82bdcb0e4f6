"""The coordinator's view of who registered: counts, search, and the office's own hand."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from netzwerk.accounts.models import AuditEntry
from netzwerk.db import db, utcnow
from netzwerk.events import admin_operations
from netzwerk.events.admin_operations import EventActionRefused
from netzwerk.events.models import EventState, Registration, RegistrationState, WaitlistMode
from netzwerk.events.operations import Applicant
from netzwerk.events.rules import RegistrationRefused
from netzwerk.mailing.models import OutboxMessage
from tests import factories

BASE = "/verwaltung/veranstaltungen"


def url(event, suffix=""):
    return f"{BASE}/{event.id}/anmeldungen{suffix}"


def state_of(registration) -> RegistrationState:
    db.session.expire_all()
    return db.session.get(Registration, registration.id).state


def mails_to(email: str) -> list[OutboxMessage]:
    return list(
        db.session.execute(select(OutboxMessage).where(OutboxMessage.to_email == email))
        .scalars()
        .all()
    )


def listed(page: str) -> str:
    """The registrations table, without the member select of the add form."""
    return page.split('id="liste"', 1)[1].split('id="hinzufuegen"', 1)[0]


@contextmanager
def count_statements():
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)


def test_the_page_shows_states_counts_per_workshop_and_per_group(coordinator_client):
    event = factories.make_event(
        capacity=3,
        workshops=[("Forum Kinderschutz", 1, None), ("Forum Elternarbeit", 1, None)],
        questions=[{"key": "diet", "label": "Ernährung", "required": False}],
    )
    forum = next(w for w in event.workshops if w.title == "Forum Kinderschutz")
    factories.make_registration(
        event, picks={1: [forum.id]}, group="sofa", answers={"diet": "vegan"}
    )
    factories.make_registration(event, picks={1: [forum.id]}, group="sofa", attended=True)
    factories.make_registration(event, group="mpt", last_name="Zander")
    factories.make_registration(event, last_name="Wartmann")
    factories.make_registration(event, last_name="Zweiter")

    page = coordinator_client.get(url(event)).get_data(as_text=True)

    assert "3 / 3" in page
    assert "Warteliste (Platz 1)" in page
    assert "Warteliste (Platz 2)" in page
    assert "anwesend" in page
    assert "<strong>Ernährung:</strong> vegan" in page
    workshop_table = page.split("Belegung der Foren", 1)[1].split("</table>", 1)[0]
    row = workshop_table.split("Forum Kinderschutz", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">2</td>' in row
    group_table = page.split("nach Berufsgruppe", 1)[1].split("</table>", 1)[0]
    assert '<th scope="row">SOFA</th><td class="num">2</td>' in group_table
    assert '<th scope="row">MPT</th><td class="num">1</td>' in group_table


def test_the_list_can_be_searched_and_filtered(coordinator_client):
    event = factories.make_event(capacity=1)
    factories.make_registration(event, first_name="Anna", last_name="Albers")
    factories.make_registration(event, first_name="Bernd", last_name="Becker")

    found = listed(coordinator_client.get(url(event, "?suche=albers")).get_data(as_text=True))
    assert "Albers, Anna" in found and "Becker, Bernd" not in found

    waiting = listed(coordinator_client.get(url(event, "?status=waiting")).get_data(as_text=True))
    assert "Becker, Bernd" in waiting and "Albers, Anna" not in waiting


def test_the_page_costs_the_same_statements_for_few_or_many(coordinator_client):
    event = factories.make_event(capacity=4, workshops=[("Forum", 1, None)])
    forum = event.workshops[0]

    def statements():
        with count_statements() as executed:
            assert coordinator_client.get(url(event)).status_code == 200
        return len(executed)

    factories.make_registration(event, picks={1: [forum.id]})
    few = statements()
    for group in ("sofa", "mpt", "sds", "schuso", "sofa", "mpt"):
        factories.make_registration(event, picks={1: [forum.id]}, group=group)
    assert statements() == few


# --- adding people ------------------------------------------------------------------


def test_the_office_adds_a_guest_who_is_confirmed_at_once(coordinator_client):
    event = factories.make_event(capacity=5)
    response = coordinator_client.post(
        url(event, "/neu"),
        data={
            "first_name": "Gerda",
            "last_name": "Gast",
            "email": "Gerda.Gast@Example.org",
            "employer_name": "Caritas",
        },
    )
    assert response.status_code == 302
    registration = db.session.execute(select(Registration)).scalar_one()
    assert registration.state == RegistrationState.CONFIRMED
    assert registration.email == "gerda.gast@example.org"
    assert registration.member_id is None
    [mail] = mails_to("gerda.gast@example.org")
    assert mail.subject.startswith("Anmeldebestätigung")
    audit = db.session.execute(select(AuditEntry)).scalars().all()
    assert any(entry.action == "registration_added" for entry in audit)


def test_the_office_adds_a_member_with_the_profile_filled_in(coordinator_client):
    event = factories.make_event(capacity=5, is_public=False)  # members-only is no hurdle
    member = factories.make_member(first_name="Mira", group="sds")
    coordinator_client.post(url(event, "/neu"), data={"member": str(member.id)})
    registration = db.session.execute(select(Registration)).scalar_one()
    assert registration.member_id == member.id
    assert (registration.first_name, registration.group.slug) == ("Mira", "sds")


def test_an_email_that_belongs_to_a_member_links_the_member(coordinator_client):
    event = factories.make_event()
    member = factories.make_member()
    coordinator_client.post(
        url(event, "/neu"),
        data={"first_name": "X", "last_name": "Y", "email": member.email.upper()},
    )
    assert db.session.execute(select(Registration)).scalar_one().member_id == member.id


def test_when_full_the_person_goes_on_the_waiting_list(coordinator_client):
    event = factories.make_event(capacity=1)
    factories.make_registration(event)
    response = coordinator_client.post(
        url(event, "/neu"),
        data={"first_name": "Wim", "last_name": "Warte", "email": "wim@example.org"},
        follow_redirects=True,
    )
    assert "Wim Warte steht auf der Warteliste" in response.get_data(as_text=True)
    added = db.session.execute(
        select(Registration).where(Registration.email == "wim@example.org")
    ).scalar_one()
    assert added.state == RegistrationState.WAITING


def test_override_confirms_beyond_capacity_and_outside_the_period(coordinator_client):
    event = factories.make_event(capacity=1, registration_closes_dt=utcnow() - timedelta(days=1))
    coordinator_client.post(
        url(event, "/neu"),
        data={"first_name": "Ute", "last_name": "Eins", "email": "ute@example.org"},
    )
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 0

    for email in ("ute@example.org", "vera@example.org"):
        coordinator_client.post(
            url(event, "/neu"),
            data={"first_name": "V", "last_name": "P", "email": email, "override": "y"},
        )
    states = db.session.execute(select(Registration.state)).scalars().all()
    assert states == [RegistrationState.CONFIRMED, RegistrationState.CONFIRMED]


def test_a_closed_period_is_explained_next_to_the_form(coordinator_client):
    event = factories.make_event(registration_closes_dt=utcnow() - timedelta(days=1))
    response = coordinator_client.post(
        url(event, "/neu"),
        data={"first_name": "Ute", "last_name": "Eins", "email": "ute@example.org"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Die Anmeldefrist ist abgelaufen." in page
    assert 'value="ute@example.org"' in page


def test_adding_someone_twice_is_refused(coordinator_client):
    event = factories.make_event()
    registration = factories.make_registration(event)
    response = coordinator_client.post(
        url(event, "/neu"),
        data={"first_name": "A", "last_name": "B", "email": registration.email},
    )
    assert "bereits angemeldet" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 1


def test_a_person_needs_a_name_and_address_unless_a_member_is_chosen(coordinator_client):
    event = factories.make_event()
    response = coordinator_client.post(url(event, "/neu"), data={"first_name": "Nur"})
    page = response.get_data(as_text=True)
    assert "Bitte geben Sie den Nachnamen an oder wählen Sie oben ein Mitglied." in page
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 0


def test_a_full_workshop_is_explained_at_its_slot(coordinator_client):
    event = factories.make_event(capacity=10, workshops=[("Forum klein", 1, 1)])
    forum = event.workshops[0]
    factories.make_registration(event, picks={1: [forum.id]})
    response = coordinator_client.post(
        url(event, "/neu"),
        data={"first_name": "A", "last_name": "B", "email": "ab@example.org", "slot_1": forum.id},
    )
    page = response.get_data(as_text=True)
    assert 'id="slot_1-error"' in page
    assert "ausgebucht" in page


# --- cancelling and moving ----------------------------------------------------------


def test_the_office_cancels_and_the_next_person_moves_up(coordinator_client):
    event = factories.make_event(capacity=1, waitlist_mode=WaitlistMode.AUTO)
    confirmed = factories.make_registration(event)
    waiting = factories.make_registration(event)
    # Even after the participants' own deadline the office may cancel.
    event.cancellation_deadline_dt = utcnow() - timedelta(hours=1)
    db.session.commit()

    response = coordinator_client.post(url(event, f"/{confirmed.id}/abmelden"))

    assert response.status_code == 302
    assert state_of(confirmed) == RegistrationState.CANCELLED
    assert state_of(waiting) == RegistrationState.CONFIRMED
    assert any("storniert" in m.body_text for m in mails_to(confirmed.email))


def test_the_office_gives_a_waiting_person_a_place(coordinator_client):
    event = factories.make_event(capacity=1)
    factories.make_registration(event)
    waiting = factories.make_registration(event)

    coordinator_client.post(url(event, f"/{waiting.id}/bestaetigen"))

    assert state_of(waiting) == RegistrationState.CONFIRMED
    assert any(m.subject.startswith("Ein Platz ist frei") for m in mails_to(waiting.email))


def test_the_office_moves_someone_to_the_end_of_the_waiting_list(coordinator_client):
    event = factories.make_event(capacity=1)
    confirmed = factories.make_registration(event)
    waiting = factories.make_registration(event)

    coordinator_client.post(url(event, f"/{confirmed.id}/warteliste"))

    assert state_of(confirmed) == RegistrationState.WAITING
    assert state_of(waiting) == RegistrationState.CONFIRMED
    page = coordinator_client.get(url(event)).get_data(as_text=True)
    assert "Warteliste (Platz 1)" in page


def test_moving_to_the_waiting_list_is_refused_when_places_are_free(coordinator_client):
    event = factories.make_event(capacity=5)
    confirmed = factories.make_registration(event)
    response = coordinator_client.post(
        url(event, f"/{confirmed.id}/warteliste"), follow_redirects=True
    )
    assert "würde sofort wieder nachrücken" in response.get_data(as_text=True)
    assert state_of(confirmed) == RegistrationState.CONFIRMED


def test_confirming_someone_already_cancelled_is_refused(app):
    event = factories.make_event()
    registration = factories.make_registration(event)
    admin_operations.cancel_by_office(registration)
    db.session.commit()
    with pytest.raises(EventActionRefused):
        admin_operations.confirm_by_office(registration)


def test_nobody_can_be_added_to_a_cancelled_event(app):
    event = factories.make_event()
    admin_operations.cancel_event(event)
    db.session.commit()
    applicant = Applicant(email="a@example.org", first_name="A", last_name="B")
    with pytest.raises(RegistrationRefused, match="abgesagt"):
        admin_operations.add_registration_by_office(event.id, applicant, override=True)


def test_a_registration_of_another_event_is_not_found(coordinator_client):
    event = factories.make_event()
    other = factories.make_event()
    registration = factories.make_registration(other)
    response = coordinator_client.post(url(event, f"/{registration.id}/abmelden"))
    assert response.status_code == 404
    assert state_of(registration) == RegistrationState.CONFIRMED


def test_nobody_is_added_to_a_draft_before_it_is_published(coordinator_client):
    event = factories.make_event(state=EventState.DRAFT)
    response = coordinator_client.post(
        url(event, "/neu"),
        data={"first_name": "A", "last_name": "B", "email": "ab@example.org", "override": "y"},
    )
    assert "Bitte veröffentlichen Sie die Veranstaltung zuerst." in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 0
