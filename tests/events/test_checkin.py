"""Check-in on the day: a searchable list with one button per person, and the QR code."""

import pytest

from netzwerk.db import db
from netzwerk.events import desk_operations, operations
from netzwerk.events.rules import RegistrationRefused
from netzwerk.events.tokens import registration_token
from tests import factories


@pytest.fixture()
def event(app):
    return factories.make_event(capacity=2, title="Netzwerktreffen Süd")


def register(event, first_name, last_name):
    return factories.make_registration(event, first_name=first_name, last_name=last_name)


def checkin_url(event):
    return f"/verwaltung/veranstaltungen/{event.id}/checkin"


def mark_url(event, registration):
    return f"/verwaltung/veranstaltungen/{event.id}/checkin/{registration.id}"


def test_the_list_shows_confirmed_people_and_the_count(coordinator_client, event):
    register(event, "Jürgen", "Öztürk")
    register(event, "Anna", "Ähnlich")
    register(event, "Wolf", "Warteliste")

    html = coordinator_client.get(checkin_url(event)).get_data(as_text=True)

    assert "0 von 2" in html
    assert "Öztürk, Jürgen" in html
    assert "Ähnlich, Anna" in html
    assert "Warteliste, Wolf" not in html
    assert html.index("Ähnlich, Anna") < html.index("Öztürk, Jürgen")


def test_one_tap_marks_attendance_and_the_count_goes_up(coordinator_client, event):
    person = register(event, "Jürgen", "Öztürk")
    register(event, "Anna", "Ähnlich")

    response = coordinator_client.post(
        mark_url(event, person) + "?q=Jürgen", data={"anwesend": "1"}
    )

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.endswith(f"#person-{person.id}")
    assert "q=J%C3%BCrgen" in location
    db.session.refresh(person)
    assert person.attended_dt is not None
    html = coordinator_client.get(checkin_url(event)).get_data(as_text=True)
    assert "1 von 2" in html
    assert "Anwesenheit zurücknehmen" in html


def test_a_double_tap_keeps_the_person_present(coordinator_client, event):
    person = register(event, "Jürgen", "Öztürk")

    coordinator_client.post(mark_url(event, person), data={"anwesend": "1"})
    coordinator_client.post(mark_url(event, person), data={"anwesend": "1"})

    db.session.refresh(person)
    assert person.attended_dt is not None


def test_attendance_can_be_taken_back(coordinator_client, event):
    person = factories.make_registration(event, attended=True)

    coordinator_client.post(mark_url(event, person), data={"anwesend": "0"})

    db.session.refresh(person)
    assert person.attended_dt is None


def test_looking_at_the_list_changes_nothing(coordinator_client, event):
    person = register(event, "Jürgen", "Öztürk")

    coordinator_client.get(checkin_url(event))
    coordinator_client.get(mark_url(event, person))  # only POST marks

    db.session.refresh(person)
    assert person.attended_dt is None


def test_the_search_narrows_the_list_by_name(coordinator_client, event):
    register(event, "Jürgen", "Öztürk")
    register(event, "Anna", "Ähnlich")

    html = coordinator_client.get(checkin_url(event), query_string={"q": "anna"}).get_data(
        as_text=True
    )

    assert "Ähnlich, Anna" in html
    assert "Öztürk, Jürgen" not in html
    assert 'value="anna"' in html  # what was typed stays in the box


def test_only_those_still_missing_can_be_shown(coordinator_client, event):
    factories.make_registration(event, first_name="Jürgen", last_name="Öztürk", attended=True)
    register(event, "Anna", "Ähnlich")

    html = coordinator_client.get(checkin_url(event), query_string={"offen": "y"}).get_data(
        as_text=True
    )

    assert "Ähnlich, Anna" in html
    assert "Öztürk, Jürgen" not in html


def test_a_person_on_the_waiting_list_cannot_be_marked_present(coordinator_client, event):
    register(event, "Clara", "Eins")
    register(event, "Doris", "Zwei")
    waiting = register(event, "Wolf", "Warteliste")

    response = coordinator_client.post(
        mark_url(event, waiting), data={"anwesend": "1"}, follow_redirects=True
    )

    assert "nur für bestätigte Anmeldungen" in response.get_data(as_text=True)
    db.session.refresh(waiting)
    assert waiting.attended_dt is None


def test_a_registration_of_another_event_is_not_found(coordinator_client, event):
    other = factories.make_event(title="Anderes Treffen")
    person = register(other, "Jürgen", "Öztürk")

    response = coordinator_client.post(mark_url(event, person), data={"anwesend": "1"})

    assert response.status_code == 404


def test_the_qr_code_shows_the_person_without_marking(coordinator_client, event):
    person = register(event, "Jürgen", "Öztürk")
    url = f"/verwaltung/veranstaltungen/checkin/{registration_token(person)}"

    page = coordinator_client.get(url)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Jürgen Öztürk" in html
    assert "Als anwesend erfassen" in html
    db.session.refresh(person)
    assert person.attended_dt is None

    coordinator_client.post(url, data={"anwesend": "1"})

    db.session.refresh(person)
    assert person.attended_dt is not None


def test_the_qr_code_of_a_cancelled_registration_warns(coordinator_client, event):
    person = register(event, "Jürgen", "Öztürk")
    operations.cancel_registration(person)
    db.session.commit()
    url = f"/verwaltung/veranstaltungen/checkin/{registration_token(person)}"

    html = coordinator_client.get(url).get_data(as_text=True)
    coordinator_client.post(url, data={"anwesend": "1"})

    assert "abgemeldet" in html
    assert "Als anwesend erfassen" not in html
    db.session.refresh(person)
    assert person.attended_dt is None


def test_a_forged_qr_code_gets_a_german_error(coordinator_client, event):
    response = coordinator_client.get("/verwaltung/veranstaltungen/checkin/gefaelscht.abc")

    assert response.status_code == 400
    assert "QR-Code ist ungültig" in response.get_data(as_text=True)


def test_members_cannot_check_anyone_in(member_client, event):
    person = register(event, "Jürgen", "Öztürk")
    url = f"/verwaltung/veranstaltungen/checkin/{registration_token(person)}"

    assert member_client.post(url, data={"anwesend": "1"}).status_code == 403
    assert member_client.post(mark_url(event, person), data={"anwesend": "1"}).status_code == 403
    db.session.refresh(person)
    assert person.attended_dt is None


def test_marking_twice_keeps_the_first_arrival_time(app, event):
    person = register(event, "Jürgen", "Öztürk")

    desk_operations.mark_attended(person)
    first = person.attended_dt
    desk_operations.mark_attended(person)

    assert person.attended_dt == first


def test_only_confirmed_registrations_can_attend(app, event):
    register(event, "Clara", "Eins")
    register(event, "Doris", "Zwei")
    waiting = register(event, "Wolf", "Warteliste")

    with pytest.raises(RegistrationRefused, match="Warteliste"):
        desk_operations.mark_attended(waiting)
