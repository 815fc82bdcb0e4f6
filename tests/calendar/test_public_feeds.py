"""The public feeds /kalender.ics and /kalender/<gruppe>.ics, read by three parsers."""

from datetime import timedelta

from netzwerk.db import db, utcnow
from netzwerk.events import admin_operations
from netzwerk.events.models import EventState
from tests import factories
from tests.calendar.support import berlin, parse

UID = "event-{}@netzwerk.test"


def test_public_feed_parses_in_three_parsers_with_one_vtimezone_and_unique_uids(app, client):
    events = [factories.make_event(title=f"Fachtag {n}", groups=["schuso"]) for n in range(3)]
    event = events[0]
    factories.make_event(title="Forum", workshops=[("Forum A", 1, 10)])

    feed = parse(client.get("/kalender.ics"))

    assert len(feed.uids()) == len(set(feed.uids())) == 4
    assert UID.format(event.id) in feed.uids()
    assert [tz["TZID"] for tz in feed.calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert feed.calendar.get_missing_tzids() == set()
    assert len(feed.loose.vtimezone_list) == 1
    assert feed.strict_summaries() == feed.loose_summaries() == feed.summaries()
    for line in ("X-WR-CALNAME:", "X-WR-CALDESC:", "REFRESH-INTERVAL;VALUE=DURATION:PT1H"):
        assert line in feed.text


def test_times_are_berlin_wall_clock_on_both_sides_of_the_dst_change(app, client):
    factories.make_event(
        title="Sommer", start_dt=berlin(2026, 10, 24, 9), end_dt=berlin(2026, 10, 24, 12)
    )
    factories.make_event(
        title="Winter", start_dt=berlin(2026, 10, 25, 9), end_dt=berlin(2026, 10, 25, 12)
    )
    app.config["ICAL_PAST"] = timedelta(days=3650)

    feed = parse(client.get("/kalender.ics"))

    assert "DTSTART;TZID=Europe/Berlin:20261024T090000" in feed.text
    assert "DTSTART;TZID=Europe/Berlin:20261025T090000" in feed.text
    for name, starts in (
        ("icalendar", [e.decoded("dtstart") for e in feed.events]),
        ("ical", [e.dtstart for e in feed.strict.events]),
        ("vobject", [e.dtstart.value for e in feed.loose.vevent_list]),
    ):
        by_hour = sorted((s.utcoffset(), s.hour) for s in starts)
        assert by_hour == [(timedelta(hours=1), 9), (timedelta(hours=2), 9)], name


def test_drafts_and_members_only_events_stay_out_of_public_feeds(app, client):
    factories.get_group("schuso")
    factories.make_event(title="Offen")
    factories.make_event(title="Entwurf", state=EventState.DRAFT)
    factories.make_event(title="Nur für Mitglieder", is_public=False)

    for url in ("/kalender.ics", "/kalender/schuso.ics"):
        assert parse(client.get(url)).summaries() == {"Offen"}, url


def test_feeds_keep_six_months_of_the_past_and_everything_ahead(app, client):
    now = utcnow()
    factories.make_event(title="Vor sieben Monaten", start_dt=now - timedelta(days=214))
    factories.make_event(title="Vor fünf Monaten", start_dt=now - timedelta(days=150))
    factories.make_event(title="In drei Jahren", start_dt=now + timedelta(days=3 * 365))

    assert parse(client.get("/kalender.ics")).summaries() == {"Vor fünf Monaten", "In drei Jahren"}


def test_a_cancelled_event_stays_cancelled_with_a_higher_sequence_then_drops_out(app, client):
    event = factories.make_event(title="Netzwerktreffen")
    before = parse(client.get("/kalender.ics")).by_uid(UID.format(event.id))["SEQUENCE"]

    admin_operations.cancel_event(event)
    db.session.commit()
    feed = parse(client.get("/kalender.ics"))
    cancelled = feed.by_uid(UID.format(event.id))
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["SEQUENCE"] > before
    assert str(cancelled["SUMMARY"]) == "Abgesagt: Netzwerktreffen"
    assert feed.strict.events[0].status.value == "CANCELLED"
    assert feed.loose.vevent.status.value == "CANCELLED"

    event.cancelled_dt = utcnow() - timedelta(days=31)
    db.session.commit()
    assert parse(client.get("/kalender.ics")).uids() == []


def test_the_grace_period_is_configurable(app, client):
    event = factories.make_event()
    admin_operations.cancel_event(event, now=utcnow() - timedelta(days=3))
    db.session.commit()
    assert parse(client.get("/kalender.ics")).uids() == [UID.format(event.id)]
    app.config["ICAL_CANCELLED_GRACE"] = timedelta(days=2)
    assert parse(client.get("/kalender.ics")).uids() == []


def test_sequence_and_times_change_after_an_edit(app, client):
    event = factories.make_event(start_dt=berlin(2031, 3, 24, 9), end_dt=berlin(2031, 3, 24, 16))
    first = parse(client.get("/kalender.ics")).by_uid(UID.format(event.id))

    admin_operations.update_event(
        event, event.version, start_dt=berlin(2031, 3, 25, 10), end_dt=berlin(2031, 3, 25, 17)
    )
    db.session.commit()
    second = parse(client.get("/kalender.ics")).by_uid(UID.format(event.id))

    assert second["SEQUENCE"] == first["SEQUENCE"] + 1
    assert second.decoded("dtstart").replace(tzinfo=None).isoformat() == "2031-03-25T10:00:00"
    assert second.decoded("last-modified") >= first.decoded("last-modified")


def test_group_feed_shows_events_for_the_group_and_for_everybody(app, client):
    factories.get_group("sofa")
    factories.make_event(title="Für SchuSo", groups=["schuso"])
    factories.make_event(title="Für SchuSo und SOFA", groups=["schuso", "sofa"])
    factories.make_event(title="Für SOFA", groups=["sofa"])
    factories.make_event(title="Für alle")

    feed = parse(client.get("/kalender/schuso.ics"))

    assert feed.summaries() == {"Für SchuSo", "Für SchuSo und SOFA", "Für alle"}
    assert "X-WR-CALNAME:Netzwerk Schulsozialarbeit – SchuSo" in feed.text
    assert parse(client.get("/kalender/sofa.ics")).summaries() == {
        "Für SOFA",
        "Für SchuSo und SOFA",
        "Für alle",
    }


def test_a_group_the_coordinator_added_has_its_feed(app, client):
    factories.get_group("inklusion")
    factories.make_event(title="Inklusion", groups=["inklusion"])
    assert parse(client.get("/kalender/inklusion.ics")).summaries() == {"Inklusion"}


def test_an_unknown_group_is_not_found(app, client):
    factories.get_group("schuso")
    assert client.get("/kalender/unbekannt.ics").status_code == 404


def categories(client, event) -> list[str]:
    entry = parse(client.get("/kalender.ics")).by_uid(UID.format(event.id))
    return [str(c) for c in entry["CATEGORIES"].cats]


def test_a_renamed_group_reaches_the_categories(app, client):
    group = factories.get_group("mpt")
    event = factories.make_event(groups=["mpt"])
    assert categories(client, event) == ["Fachtag", "MPT"]

    group.name = "Multiprofessionelle Teams"
    db.session.commit()

    assert categories(client, event) == ["Fachtag", "Multiprofessionelle Teams"]
