"""Teilnahmebescheinigungen: only for those who attended, only for the person themselves."""

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from netzwerk.events.models import EventKind
from netzwerk.events.pdf import certificate_hours
from netzwerk.events.tokens import registration_token
from tests import factories

YEAR = datetime.now(UTC).year + 1  # registration needs an event still to come


def fortbildung(**kwargs):
    event = factories.make_event(
        title="Fortbildung „Gesprächsführung“",
        kind=EventKind.FORTBILDUNG,
        start_dt=datetime(YEAR, 3, 10, 8, 0, tzinfo=UTC),  # 9 Uhr in Berlin
        end_dt=datetime(YEAR, 3, 10, 14, 30, tzinfo=UTC),
        venue="Bürgerhaus Süd",
        workshops=[("Schwierige Elterngespräche", 1, None)],
        **kwargs,
    )
    event.workshops[0].facilitator = "Dr. Jörg Öztürk"
    return event


def attend(event, **kwargs):
    workshop = event.workshops[0]
    return factories.make_registration(
        event, picks={1: [workshop.id]}, attended=True, first_name="Jördis", **kwargs
    )


def pdf_pages(response) -> list[str]:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages]


def test_an_attended_participant_gets_the_certificate_from_the_personal_link(client, app):
    event = fortbildung()
    registration = attend(event, last_name="Ähnlich")

    pages = pdf_pages(
        client.get(f"/anmeldung/{registration_token(registration)}/bescheinigung.pdf")
    )

    assert len(pages) == 1
    text = pages[0]
    assert "Teilnahmebescheinigung" in text
    assert "Jördis Ähnlich" in text
    assert "Fortbildung „Gesprächsführung“" in text
    assert f"am 10. März {YEAR}" in text
    assert "6,5 Stunden" in text
    assert "Schwierige Elterngespräche (Leitung: Dr. Jörg Öztürk)" in text
    assert "Bürgerhaus Süd" in text
    assert "Koordinierungsstelle Schulsozialarbeit" in text
    assert "Frau" not in text and "Herr" not in text


def test_no_certificate_before_attending(client, app):
    event = fortbildung()
    registration = factories.make_registration(event)

    response = client.get(f"/anmeldung/{registration_token(registration)}/bescheinigung.pdf")

    assert response.status_code == 404
    assert "Eine Bescheinigung gibt es nach der Teilnahme." in response.get_data(as_text=True)


def test_a_forged_link_gets_a_german_error(client, app):
    response = client.get("/anmeldung/nicht-echt/bescheinigung.pdf")

    assert response.status_code == 400
    assert "Link ist ungültig" in response.get_data(as_text=True)


def test_a_member_downloads_their_own_certificate(member_client, member, app):
    event = fortbildung()
    registration = attend(event, member=member)

    pages = pdf_pages(member_client.get(f"/meine-anmeldungen/{registration.id}/bescheinigung.pdf"))

    assert member.last_name in pages[0]


def test_a_member_cannot_fetch_someone_elses_certificate(member_client, app):
    event = fortbildung()
    someone_else = attend(event, last_name="Fremd")

    response = member_client.get(f"/meine-anmeldungen/{someone_else.id}/bescheinigung.pdf")

    assert response.status_code == 404
    assert "Fremd" not in response.get_data(as_text=True)


def test_visitors_must_log_in_for_the_account_route(client, app):
    event = fortbildung()
    registration = attend(event)

    response = client.get(f"/meine-anmeldungen/{registration.id}/bescheinigung.pdf")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_coordinator_gets_all_certificates_in_one_file(coordinator_client, app):
    event = fortbildung(capacity=None)
    attend(event, last_name="Eins")
    attend(event, last_name="Zwei")
    factories.make_registration(event, last_name="Nichtgekommen")

    pages = pdf_pages(
        coordinator_client.get(f"/verwaltung/veranstaltungen/{event.id}/bescheinigungen.pdf")
    )

    assert len(pages) == 2
    assert "Jördis Eins" in pages[0]
    assert "Jördis Zwei" in pages[1]
    assert not any("Nichtgekommen" in page for page in pages)


def test_without_attendance_the_coordinator_is_told_so(coordinator_client, app):
    event = fortbildung()
    factories.make_registration(event)

    response = coordinator_client.get(f"/verwaltung/veranstaltungen/{event.id}/bescheinigungen.pdf")

    assert response.status_code == 404
    assert "Eine Bescheinigung gibt es nach der Teilnahme." in response.get_data(as_text=True)


def test_the_hours_the_coordinator_set_win(app):
    event = fortbildung(certificate_hours=4)
    assert certificate_hours(event) == 4


def test_hours_are_computed_in_half_hours(app):
    event = fortbildung()
    event.end_dt = datetime(YEAR, 3, 10, 14, 20, tzinfo=UTC)  # 6 h 20 min
    assert certificate_hours(event) == 6.5
    event.end_dt = datetime(YEAR, 3, 10, 14, 10, tzinfo=UTC)  # 6 h 10 min
    assert certificate_hours(event) == 6


def test_several_days_count_the_daily_hours_not_the_nights(app):
    event = fortbildung()
    event.end_dt = datetime(YEAR, 3, 11, 15, 0, tzinfo=UTC)  # two days, 9 to 16 Uhr
    assert certificate_hours(event) == 14
