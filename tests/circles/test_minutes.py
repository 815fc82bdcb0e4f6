"""Minutes (Protokolle): written by moderators, read only by circle members and coordinators."""

import io
from datetime import timedelta

from sqlalchemy import select

from netzwerk.circles import operations, queries
from netzwerk.circles.forms import occurrence_key
from netzwerk.circles.models import Minutes
from netzwerk.db import db, utcnow
from tests import factories
from tests.helpers import text_of

SECRET = "Vertraulich: Fallbesprechung Familie Beispiel"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def last_meeting(circle):
    return queries.past_meetings(circle, utcnow())[0]


def write_minutes(circle, text=SECRET, actions="Frau Muster lädt die Schulleitungen ein."):
    minutes = operations.save_minutes(
        circle,
        occurrence_dt=last_meeting(circle).key,
        text=text,
        agreed_actions=actions,
    )
    db.session.commit()
    return minutes


def minutes_url(minutes):
    return f"/qualitaetszirkel/{minutes.circle_id}/protokolle/{minutes.id}"


def test_the_moderator_writes_minutes_for_a_past_meeting(people, login):
    client = login(people.moderator)
    key = occurrence_key(last_meeting(people.circle).key)

    response = client.post(
        f"/qualitaetszirkel/{people.circle.id}/protokolle/neu",
        data={
            "occurrence": key,
            "text": "Wir haben über **Kinderschutz** gesprochen.",
            "agreed_actions": "Herr Beispiel schickt die Checkliste.",
        },
    )

    assert response.status_code == 302
    minutes = db.session.execute(select(Minutes)).scalar_one()
    assert occurrence_key(minutes.occurrence_dt) == key
    assert minutes.author_id == people.moderator.user.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>Kinderschutz</strong>" in page
    assert "Herr Beispiel schickt die Checkliste." in page


def test_circle_members_read_the_minutes(people, login):
    minutes = write_minutes(people.circle)

    page = login(people.member).get(minutes_url(minutes))

    assert page.status_code == 200
    assert SECRET in page.get_data(as_text=True)


def test_a_coordinator_reads_the_minutes_of_every_circle(people, login):
    minutes = write_minutes(people.circle)

    page = login(factories.make_coordinator()).get(minutes_url(minutes))

    assert page.status_code == 200
    assert SECRET in page.get_data(as_text=True)


def test_another_member_never_sees_the_minutes(people, login):
    minutes = write_minutes(people.circle)
    client = login(people.outsider)

    for url in (
        minutes_url(minutes),
        f"/qualitaetszirkel/{people.circle.id}/protokolle",
        f"/qualitaetszirkel/{people.circle.id}/protokolle?suche=Fallbesprechung",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Fallbesprechung" not in response.get_data(as_text=True)
    circle_page = client.get(f"/qualitaetszirkel/{people.circle.id}").get_data(as_text=True)
    assert "Fallbesprechung" not in circle_page
    assert "Beitreten" in circle_page


def test_members_of_another_circle_cannot_reach_minutes_through_their_own_circle(people, login):
    minutes = write_minutes(people.circle)
    other = factories.make_circle(members=[people.outsider])

    response = login(people.outsider).get(f"/qualitaetszirkel/{other.id}/protokolle/{minutes.id}")

    assert response.status_code == 404
    assert "Fallbesprechung" not in response.get_data(as_text=True)


def test_a_member_who_left_no_longer_reads_the_minutes(people, login):
    minutes = write_minutes(people.circle)
    client = login(people.member)
    client.post(f"/qualitaetszirkel/{people.circle.id}/austreten")

    assert client.get(minutes_url(minutes)).status_code == 403


def test_visitors_are_sent_to_the_login(people, client):
    minutes = write_minutes(people.circle)

    response = client.get(minutes_url(minutes))

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_attachments_download_only_for_circle_members(people, login):
    client = login(people.moderator)
    key = occurrence_key(last_meeting(people.circle).key)
    client.post(
        f"/qualitaetszirkel/{people.circle.id}/protokolle/neu",
        data={
            "occurrence": key,
            "text": "Protokoll mit Anhang",
            "attachments": [(io.BytesIO(PDF), "Präsentation.pdf")],
        },
        content_type="multipart/form-data",
    )
    minutes = db.session.execute(select(Minutes)).scalar_one()
    (stored,) = minutes.files
    url = f"{minutes_url(minutes)}/dateien/{stored.id}"

    download = login(people.member).get(url)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert login(people.outsider).get(url).status_code == 403


def test_a_file_of_the_wrong_kind_is_refused_and_the_text_kept(people, login):
    client = login(people.moderator)
    key = occurrence_key(last_meeting(people.circle).key)

    response = client.post(
        f"/qualitaetszirkel/{people.circle.id}/protokolle/neu",
        data={
            "occurrence": key,
            "text": "Mein langer Protokolltext",
            "attachments": [(io.BytesIO(b"MZ\x90\x00 kein Dokument"), "tool.exe")],
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "kein erlaubtes Format" in page
    assert "Mein langer Protokolltext" in page
    assert db.session.execute(select(Minutes)).first() is None


def test_members_cannot_write_minutes(people, login):
    client = login(people.member)
    key = occurrence_key(last_meeting(people.circle).key)

    response = client.post(
        f"/qualitaetszirkel/{people.circle.id}/protokolle/neu",
        data={"occurrence": key, "text": "Von einem Mitglied"},
    )

    assert response.status_code == 403
    assert db.session.execute(select(Minutes)).first() is None


def test_one_meeting_has_one_protocol(people, login):
    write_minutes(people.circle)
    key = occurrence_key(last_meeting(people.circle).key)

    response = login(people.moderator).post(
        f"/qualitaetszirkel/{people.circle.id}/protokolle/neu",
        data={"occurrence": key, "text": "Noch einmal"},
    )

    assert response.status_code == 422
    assert len(db.session.execute(select(Minutes)).all()) == 1


def test_search_finds_minutes_by_text_and_agreed_actions_ignoring_case(people, login):
    circle = people.circle
    meetings = queries.past_meetings(circle, utcnow())
    texts = [
        ("Austausch zur Übergangsgestaltung Kita–Grundschule", ""),
        ("Fallberatung", "ÖFFENTLICHKEITSARBEIT: Flyer überarbeiten"),
        ("Haushalt und Sachmittel", ""),
    ]
    for occurrence, (text, actions) in zip(meetings, texts, strict=False):
        operations.save_minutes(
            circle, occurrence_dt=occurrence.key, text=text, agreed_actions=actions
        )
    db.session.commit()
    client = login(people.member)

    def found(term):
        page = client.get(f"/qualitaetszirkel/{circle.id}/protokolle?suche={term}")
        return text_of(page.get_data(as_text=True))

    assert "1 Protokoll mit „übergangsgestaltung“" in found("übergangsgestaltung")
    assert "1 Protokoll mit „öffentlichkeitsarbeit“" in found("öffentlichkeitsarbeit")
    assert "Kein Protokoll enthält „Zeugnis“" in found("Zeugnis")


def test_past_meetings_offer_minutes_but_future_ones_do_not(people, login):
    page = login(people.moderator).get(f"/qualitaetszirkel/{people.circle.id}/protokolle/neu")
    html = page.get_data(as_text=True)
    past = occurrence_key(last_meeting(people.circle).key)
    future = occurrence_key(
        queries.upcoming_meetings(people.circle, utcnow() + timedelta(days=1))[0].key
    )

    assert past in html
    assert future not in html
