"""Erasure (Art. 17): a member asks, the coordinator confirms, the person is gone everywhere."""

from sqlalchemy import select

from netzwerk.accounts.models import AuditEntry, LoginAttempt, User
from netzwerk.circles.models import CircleMembership, MeetingResponse
from netzwerk.db import db
from netzwerk.events.models import Registration, RegistrationState
from netzwerk.mailing.models import ListOptOut, OutboxMessage, Subscription
from netzwerk.members.models import Member
from netzwerk.newcomers.models import Application
from netzwerk.privacy.collect import collect_person, find_person, has_data
from netzwerk.privacy.erasure import ErasureRefused, erase_person, pseudonym
from netzwerk.privacy.models import ConsentRecord, ErasureRequest, ErasureRequestState
from netzwerk.topics.models import TopicComment, TopicVote
from tests import factories
from tests.conftest import mail_body
from tests.helpers import text_of
from tests.privacy.conftest import EMAIL, count

ERASE = "/verwaltung/datenschutz/person/loeschen"


def erase_via_web(client, email=EMAIL, **data):
    return client.post(ERASE, data={"email": email, "confirm": "y", **data})


# --- the member's request ------------------------------------------------------------


def test_a_member_requests_erasure_and_the_office_is_told(client, auth, footprint, app):
    auth.login(EMAIL)

    response = client.post("/konto/daten/loeschung", data={"note": "Ich wechsle die Stadt."})

    assert response.status_code == 302
    request = db.session.execute(select(ErasureRequest)).scalar_one()
    assert request.member_id == footprint.member.id
    assert request.note == "Ich wechsle die Stadt."
    office = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.to_email == app.config["OFFICE_EMAIL"])
    ).scalar_one()
    assert f"Nr. {request.id}" in office.subject
    assert "Wagner" not in office.body_text  # the mail names no one
    html = client.get("/konto/daten").get_data(as_text=True)
    assert "liegt der Koordinierungsstelle vor" in html


def test_asking_twice_keeps_one_request(client, auth, footprint):
    auth.login(EMAIL)

    client.post("/konto/daten/loeschung", data={})
    client.post("/konto/daten/loeschung", data={})

    assert count(ErasureRequest) == 1


def test_the_coordinator_sees_the_open_request(coordinator_client, client, footprint):
    db.session.add(ErasureRequest(email=EMAIL, name="Lea Wagner", member_id=footprint.member.id))
    db.session.commit()

    text = text_of(coordinator_client.get("/verwaltung/datenschutz/").get_data(as_text=True))

    assert "Offene Löschanträge" in text and "Lea Wagner" in text


def test_a_request_can_be_settled_without_erasure_with_a_reason(coordinator_client, footprint):
    request = ErasureRequest(email=EMAIL, name="Lea Wagner", member_id=footprint.member.id)
    db.session.add(request)
    db.session.commit()
    url = f"/verwaltung/datenschutz/antraege/{request.id}/abschliessen"

    refused = coordinator_client.post(url, data={})
    assert refused.status_code == 400
    assert "Bitte füllen Sie dieses Feld aus." in refused.get_data(as_text=True)

    coordinator_client.post(url, data={f"antrag-{request.id}-reason": "Laufendes Verfahren"})

    db.session.expire_all()
    assert db.session.get(ErasureRequest, request.id).state == ErasureRequestState.CLOSED
    assert db.session.get(Member, footprint.member.id) is not None


# --- the confirmation step -------------------------------------------------------------


def test_the_confirmation_page_says_what_will_happen(coordinator_client, footprint):
    text = text_of(coordinator_client.get(ERASE, query_string={"email": EMAIL}).get_data(True))

    assert "Endgültig löschen" in text
    assert "anonymisiert (kommende Anmeldungen vorher storniert)" in text


def test_nothing_is_erased_without_the_confirmation(coordinator_client, footprint):
    response = coordinator_client.post(ERASE, data={"email": EMAIL})

    assert "Bitte bestätigen Sie die Löschung." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, footprint.member.id) is not None


# --- the erasure ------------------------------------------------------------------------


def test_after_erasure_a_search_for_the_address_finds_nothing(coordinator_client, footprint):
    response = erase_via_web(coordinator_client, EMAIL.upper())

    assert response.status_code == 302
    db.session.expire_all()
    assert not has_data(collect_person(find_person(EMAIL)))
    text = text_of(
        coordinator_client.get(
            "/verwaltung/datenschutz/person", query_string={"email": EMAIL}
        ).get_data(as_text=True)
    )
    assert "keine personenbezogenen Daten gespeichert" in text
    assert "Wagner" not in text


def test_member_and_login_are_deleted(coordinator_client, footprint):
    erase_via_web(coordinator_client)

    db.session.expire_all()
    assert db.session.get(Member, footprint.member.id) is None
    assert db.session.get(User, footprint.user.id) is None
    assert count(LoginAttempt) == 0


def test_registrations_stay_as_anonymous_counts(coordinator_client, footprint):
    erase_via_web(coordinator_client)

    db.session.expire_all()
    past = db.session.get(Registration, footprint.attended.id)
    assert (past.first_name, past.last_name) == ("gelöscht", "gelöscht")
    assert past.email == f"geloescht-{past.id}@invalid"
    assert past.member_id is None and past.answers == {} and past.employer_name == ""
    assert past.anonymised_dt is not None
    # What statistics count stays: state, attendance, Berufsgruppe.
    assert past.state == RegistrationState.CONFIRMED
    assert past.attended_dt is not None and past.group_id is not None


def test_a_place_at_a_coming_event_goes_to_the_waiting_list(coordinator_client, footprint):
    erase_via_web(coordinator_client)

    db.session.expire_all()
    assert db.session.get(Registration, footprint.place.id).state == RegistrationState.CANCELLED
    assert db.session.get(Registration, footprint.waiting.id).state == RegistrationState.CONFIRMED


def test_votes_go_and_the_vote_count_is_counted_again(coordinator_client, footprint):
    erase_via_web(coordinator_client)

    db.session.expire_all()
    assert count(TopicVote) == 1
    db.session.refresh(footprint.popular_topic)
    assert footprint.popular_topic.vote_count == 1


def test_suggestions_and_comments_stay_without_their_author(coordinator_client, footprint):
    erase_via_web(coordinator_client)

    db.session.expire_all()
    db.session.refresh(footprint.own_topic)
    assert footprint.own_topic.title == "Kinderschutz im Ganztag"
    assert footprint.own_topic.member_id is None
    assert footprint.own_topic.suggester_name == footprint.own_topic.suggester_email == ""
    (comment,) = db.session.execute(select(TopicComment)).scalars()
    assert comment.text == "Gute Idee!" and comment.member_id is None


def test_lists_circles_applications_and_mail_are_deleted(coordinator_client, footprint):
    erase_via_web(coordinator_client)

    db.session.expire_all()
    for model in (
        Subscription,
        ListOptOut,
        CircleMembership,
        MeetingResponse,
        Application,
    ):
        assert count(model) == 0, model
    assert count(OutboxMessage, OutboxMessage.to_email == EMAIL) == 0


def test_consent_proofs_stay_pseudonymised(coordinator_client, footprint):
    erase_via_web(coordinator_client)

    db.session.expire_all()
    records = db.session.execute(select(ConsentRecord)).scalars().all()
    assert len(records) == 3
    assert {r.email for r in records} == {pseudonym(EMAIL)}
    assert all(r.pseudonymised_dt and r.withdrawn_dt for r in records)
    text = text_of(
        coordinator_client.get(
            "/verwaltung/datenschutz/person", query_string={"email": EMAIL}
        ).get_data(as_text=True)
    )
    assert "3 Einwilligungsnachweise ohne die Adresse (pseudonymisiert)" in text


def test_the_log_records_the_erasure_without_naming_the_person(coordinator_client, footprint):
    erase_via_web(coordinator_client)

    db.session.expire_all()
    entries = db.session.execute(select(AuditEntry)).scalars().all()
    erased = [e for e in entries if e.action == "privacy.erase"]
    assert len(erased) == 1
    assert "Mitglieder: 1" in erased[0].summary
    for entry in entries:
        assert EMAIL not in entry.summary and "Wagner" not in entry.summary, entry.summary


def test_the_erasure_settles_the_request(coordinator_client, footprint):
    request = ErasureRequest(email=EMAIL, name="Lea Wagner", member_id=footprint.member.id)
    db.session.add(request)
    db.session.commit()

    erase_via_web(coordinator_client)

    db.session.expire_all()
    request = db.session.get(ErasureRequest, request.id)
    assert request.state == ErasureRequestState.ERASED
    assert (request.email, request.name, request.member_id) == ("", "", None)
    assert request.settled_dt is not None


def test_the_person_can_be_told_by_mail(coordinator_client, footprint, deliver, smtp):
    erase_via_web(coordinator_client, notify="y")

    deliver()
    (message,) = smtp.to(EMAIL)
    assert message["Subject"] == "Ihre Daten wurden gelöscht"
    assert "Impressum: http://netzwerk.test/impressum" in mail_body(message)


def test_a_guest_is_erased_by_address(coordinator_client, app):
    from tests.privacy.conftest import guest, past_event, register_past

    event = past_event(months_ago=2, allows_guests=True)
    registration = register_past(event, guest("gerd.gast@example.org"))

    erase_via_web(coordinator_client, "gerd.gast@example.org")

    db.session.expire_all()
    registration = db.session.get(Registration, registration.id)
    assert registration.email.endswith("@invalid") and registration.school_name == ""


def test_coordinator_accounts_are_not_erased(app, coordinator):
    person = find_person(coordinator.email)

    try:
        erase_person(person, coordinator)
    except ErasureRefused as refused:
        assert "Koordinierung" in refused.message
    else:
        raise AssertionError("a coordinator's account was erased")


def test_an_address_without_data_cannot_be_erased(coordinator_client, app):
    response = erase_via_web(coordinator_client, "niemand@example.org")

    assert response.status_code == 302
    page = coordinator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zu dieser Adresse sind keine Daten (mehr) gespeichert." in page


def test_other_peoples_data_stays(coordinator_client, footprint):
    other = factories.make_member(first_name="Ute", email="ute@example.org")

    erase_via_web(coordinator_client)

    db.session.expire_all()
    assert db.session.get(Member, other.id) is not None
    assert db.session.get(Member, footprint.other_member.id) is not None
    assert db.session.get(Registration, footprint.waiting.id).last_name == "Otto"


def test_a_too_long_note_is_refused_and_kept(client, auth, footprint):
    auth.login(EMAIL)

    response = client.post("/konto/daten/loeschung", data={"note": "x" * 2001})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Höchstens 2000 Zeichen." in html and "x" * 2001 in html
    assert count(ErasureRequest) == 0


def test_asking_for_erasure_needs_a_login(client, app):
    response = client.post("/konto/daten/loeschung", data={})

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(ErasureRequest) == 0
