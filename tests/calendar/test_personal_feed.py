"""The personal feed /kalender/privat/<token>.ics and the page /konto/kalender that manages it."""

from datetime import timedelta

from netzwerk.calendar.tokens import renew_calendar_token
from netzwerk.circles.models import CircleMeeting
from netzwerk.db import db, utcnow
from netzwerk.events import admin_operations
from netzwerk.events.operations import cancel_registration
from tests import factories
from tests.calendar.support import parse
from tests.helpers import statements_for, text_of


def feed_url(member) -> str:
    if member.user.calendar_token is None:
        renew_calendar_token(member.user)
        db.session.commit()
    return f"/kalender/privat/{member.user.calendar_token}.ics"


def personal(client, member):
    return parse(client.get(feed_url(member)))


def test_the_page_needs_a_login(client):
    response = client.get("/konto/kalender")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_member_creates_the_address_and_sees_it_with_the_subscribe_box(member_client, member):
    page = text_of(member_client.get("/konto/kalender").get_data(as_text=True))
    assert "Persönliche Kalenderadresse erzeugen" in page

    response = member_client.post("/konto/kalender/neue-adresse")
    assert response.status_code == 302

    html = member_client.get("/konto/kalender").get_data(as_text=True)
    token = member.user.calendar_token
    assert len(token) >= 43
    assert f"http://netzwerk.test/kalender/privat/{token}.ics" in html
    assert f"webcal://netzwerk.test/kalender/privat/{token}.ics" in html
    assert "Neue Adresse erzeugen" in text_of(html)


def test_a_new_address_invalidates_the_old_one(member_client, member):
    old = feed_url(member)
    assert member_client.get(old).status_code == 200

    member_client.post("/konto/kalender/neue-adresse")

    assert member_client.get(old).status_code == 404
    assert member_client.get(feed_url(member)).status_code == 200


def test_an_unknown_token_is_not_found(client, member):
    feed_url(member)
    assert client.get("/kalender/privat/unbekannt.ics").status_code == 404
    assert client.get(f"/kalender/privat/{'x' * 100}.ics").status_code == 404


def test_a_disabled_account_or_inactive_member_has_no_feed(client, member):
    url = feed_url(member)
    member.user.is_enabled = False
    db.session.commit()
    assert client.get(url).status_code == 404
    member.user.is_enabled = True
    member.is_active = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_each_token_gives_only_its_owners_registrations(client):
    anna = factories.make_member(first_name="Anna", with_account=True)
    ben = factories.make_member(first_name="Ben", with_account=True)
    factories.make_registration(factories.make_event(title="Annas Fachtag"), anna)
    factories.make_registration(factories.make_event(title="Bens Fortbildung"), ben)
    factories.make_event(title="Ohne Anmeldung")

    assert personal(client, anna).summaries() == {"Annas Fachtag"}
    assert personal(client, ben).summaries() == {"Bens Fortbildung"}


def test_members_only_events_are_in_the_personal_feed_only(client, member):
    event = factories.make_event(title="Nur für Mitglieder", is_public=False)
    factories.make_registration(event, member)

    assert personal(client, member).summaries() == {"Nur für Mitglieder"}
    assert b"Nur f" not in client.get("/kalender.ics").data


def test_waiting_places_are_tentative_and_cancelled_registrations_drop_out(client, member):
    full = factories.make_event(title="Ausgebucht", capacity=1)
    factories.make_registration(full)
    factories.make_registration(full, member)
    left = factories.make_event(title="Abgemeldet")
    cancel_registration(factories.make_registration(left, member))
    db.session.commit()

    feed = personal(client, member)

    (waiting,) = feed.events
    assert str(waiting["SUMMARY"]) == "Warteliste: Ausgebucht"
    assert str(waiting["STATUS"]) == "TENTATIVE"
    assert "Warteliste" in str(waiting["DESCRIPTION"])


def test_assigned_workshops_are_entries_of_their_own(client, member):
    event = factories.make_event(
        title="Fachtag", workshops=[("Forum Kinderschutz", 1, 10), ("Forum Medien", 1, 10)]
    )
    forum = event.workshops[0]
    forum.start_dt = event.start_dt + timedelta(hours=2)
    forum.end_dt = event.start_dt + timedelta(hours=4)
    db.session.commit()
    factories.make_registration(event, member, picks={1: [forum.id]})

    feed = personal(client, member)

    assert feed.summaries() == {"Fachtag", "Forum Kinderschutz (Fachtag)"}
    entry = feed.by_uid(f"workshop-{forum.id}@netzwerk.test")
    assert entry.decoded("dtstart") == forum.start_dt.replace(microsecond=0)
    assert len(set(feed.uids())) == 2
    assert feed.strict_summaries() == feed.loose_summaries() == feed.summaries()


def test_a_cancelled_event_shows_as_cancelled_in_the_personal_feed(client, member):
    event = factories.make_event(title="Netzwerktreffen")
    factories.make_registration(event, member)
    admin_operations.cancel_event(event)
    db.session.commit()

    (entry,) = personal(client, member).events
    assert str(entry["STATUS"]) == "CANCELLED"
    assert entry["SEQUENCE"] == event.ical_sequence

    event.cancelled_dt = utcnow() - timedelta(days=31)
    db.session.commit()
    assert personal(client, member).events == []


def test_the_members_circles_are_in_the_personal_feed(client, member):
    mine = factories.make_circle(name="QZ Grundschule", members=[member])
    factories.make_circle(name="QZ Gymnasium")
    factories.make_circle(name="QZ Berufskolleg", is_open=False, requested=[member])
    db.session.add(
        CircleMeeting(
            circle_id=mine.id,
            start_dt=utcnow() + timedelta(days=3),
            end_dt=utcnow() + timedelta(days=3, hours=2),
            location="Jugendzentrum",
        )
    )
    db.session.commit()

    feed = personal(client, member)

    assert feed.summaries() == {"QZ Grundschule"}
    assert f"circle-{mine.id}@netzwerk.test" in feed.uids()
    assert len(feed.events) == 2  # the series and the one-off meeting
    assert feed.calendar.get_missing_tzids() == set()


def test_the_personal_feed_is_private_and_answers_304(client, member):
    factories.make_registration(factories.make_event(), member)
    response = client.get(feed_url(member))

    assert response.cache_control.private and not response.cache_control.public
    assert response.headers["Referrer-Policy"] == "no-referrer"
    again = client.get(feed_url(member), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_a_registration_changes_the_personal_feed_at_once(client, member):
    etag = client.get(feed_url(member)).headers["ETag"]
    factories.make_registration(factories.make_event(title="Neu angemeldet"), member)
    response = client.get(feed_url(member), headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert b"SUMMARY:Neu angemeldet" in response.data


def test_personal_feed_statement_count_does_not_grow(app, client, member):
    def add(n):
        for i in range(n):
            event = factories.make_event(title=f"T{i}", groups=["schuso"], workshops=[("F", 1, 9)])
            factories.make_registration(event, member, picks={1: [event.workshops[0].id]})
            factories.make_circle(members=[member])

    url = feed_url(member)
    add(1)
    app.extensions.pop("netzwerk.calendar", None)
    few = statements_for(client, url)
    add(4)
    app.extensions.pop("netzwerk.calendar", None)
    assert statements_for(client, url) == few
