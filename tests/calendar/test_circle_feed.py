"""A quality circle's feed: RRULE + EXDATE + RECURRENCE-ID, expanded by calendar libraries
exactly as netzwerk.circles.schedule expands it for the pages."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import recurring_ical_events

from netzwerk.circles.models import CircleMeeting
from netzwerk.circles.schedule import occurrences
from netzwerk.core.timeutil import combine_berlin, utc_to_berlin
from netzwerk.db import db, utcnow
from tests import factories
from tests.calendar.support import BERLIN, parse


def second_thursday_at_four(before: datetime) -> datetime:
    """16:00 Berlin on the second Thursday of the month `before` lies in."""
    first = utc_to_berlin(before).date().replace(day=1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 7)
    return combine_berlin(thursday, datetime.min.time().replace(hour=16))


@pytest.fixture()
def circle(app):
    now = utcnow()
    return factories.make_circle(
        name="QZ Grundschulen Nord",
        rule="FREQ=MONTHLY;BYDAY=2TH",
        start_dt=second_thursday_at_four(now - timedelta(days=60)),
        minutes=120,
    )


def window():
    now = utcnow()
    return now - timedelta(days=90), now + timedelta(days=400)


def add_exceptions(circle):
    """Skip the third scheduled meeting, move the fifth by a day and an hour, add a one-off."""
    planned = occurrences(circle, *window())
    skipped, moved = planned[2], planned[4]
    db.session.add_all(
        [
            CircleMeeting(
                circle_id=circle.id,
                recurrence_dt=skipped.start_dt,
                start_dt=skipped.start_dt,
                end_dt=skipped.end_dt,
                is_skipped=True,
                note="Ferien",
            ),
            CircleMeeting(
                circle_id=circle.id,
                recurrence_dt=moved.start_dt,
                start_dt=moved.start_dt + timedelta(days=1, hours=1),
                end_dt=moved.end_dt + timedelta(days=1, hours=1),
                location="Aula der Nordschule",
                ical_sequence=1,
            ),
            CircleMeeting(
                circle_id=circle.id,
                start_dt=utcnow() + timedelta(days=20),
                end_dt=utcnow() + timedelta(days=20, hours=1),
                location="Jugendzentrum",
            ),
        ]
    )
    circle.ical_sequence += 1
    db.session.commit()
    return skipped, moved


def expanded(data: bytes, start, end):
    found = recurring_ical_events.of(icalendar.Calendar.from_ical(data)).between(start, end)
    return sorted(
        (
            e.decoded("dtstart").astimezone(UTC),
            e.decoded("dtend").astimezone(UTC),
            str(e.get("LOCATION", "")),
        )
        for e in found
    )


def test_the_feed_holds_one_series_with_exdate_and_recurrence_id(client, circle):
    skipped, moved = add_exceptions(circle)

    feed = parse(client.get(f"/kalender/qz/{circle.id}.ics"))

    series = feed.by_uid(f"circle-{circle.id}@netzwerk.test")
    assert series["RRULE"].to_ical() == b"FREQ=MONTHLY;BYDAY=2TH"
    assert [d.dt for d in series["EXDATE"].dts] == [utc_to_berlin(skipped.start_dt)]
    assert f"EXDATE;TZID=Europe/Berlin:{utc_to_berlin(skipped.start_dt):%Y%m%dT%H%M%S}" in feed.text
    (override,) = [e for e in feed.events if "RECURRENCE-ID" in e]
    assert override.decoded("recurrence-id") == utc_to_berlin(moved.start_dt)
    assert str(override["UID"]) == str(series["UID"])
    assert override["SEQUENCE"] >= series["SEQUENCE"]
    assert len(feed.events) == 3  # series, moved meeting, one-off
    assert len(feed.strict.events) == len(feed.loose.vevent_list) == 3
    assert [tz["TZID"] for tz in feed.calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_calendar_libraries_expand_the_feed_like_the_schedule(client, circle):
    add_exceptions(circle)
    start, end = window()

    data = client.get(f"/kalender/qz/{circle.id}.ics").data

    ours = sorted((o.start_dt, o.end_dt, o.location) for o in occurrences(circle, start, end))
    assert expanded(data, start, end) == ours
    assert len(ours) >= 12


def test_expanded_meetings_stay_at_four_oclock_across_the_dst_changes(client, circle):
    start, end = window()
    data = client.get(f"/kalender/qz/{circle.id}.ics").data

    local = [s.astimezone(BERLIN) for s, _, _ in expanded(data, start, end)]

    assert {t.hour for t in local} == {16}
    assert {t.utcoffset() for t in local} == {timedelta(hours=1), timedelta(hours=2)}


def test_the_strict_parser_expands_the_series_the_same_way(client, circle):
    add_exceptions(circle)
    start, end = window()
    feed = parse(client.get(f"/kalender/qz/{circle.id}.ics"))

    timeline = feed.strict.timeline_tz(BERLIN)
    strict = sorted(e.dtstart.astimezone(UTC) for e in timeline.overlapping(start, end))

    assert strict == sorted(o.start_dt for o in occurrences(circle, start, end))


def test_the_vobject_rruleset_leaves_out_the_skipped_date(client, circle):
    skipped, _ = add_exceptions(circle)
    feed = parse(client.get(f"/kalender/qz/{circle.id}.ics"))

    series = [v for v in feed.loose.vevent_list if not hasattr(v, "recurrence_id")][0]
    starts = series.getrruleset().between(*window())

    assert utc_to_berlin(skipped.start_dt) not in starts
    assert all(s.hour == 16 for s in starts)


def test_a_circle_without_schedule_has_only_its_single_meetings(client):
    circle = factories.make_circle(rule="")
    meeting = CircleMeeting(
        circle_id=circle.id,
        start_dt=utcnow() + timedelta(days=5),
        end_dt=utcnow() + timedelta(days=5, hours=2),
    )
    db.session.add(meeting)
    db.session.commit()

    feed = parse(client.get(f"/kalender/qz/{circle.id}.ics"))

    assert feed.uids() == [f"circle-meeting-{meeting.id}@netzwerk.test"]
    assert "RRULE" not in feed.events[0]


def test_single_meetings_older_than_six_months_drop_out(client):
    circle = factories.make_circle(rule="")
    old = utcnow() - timedelta(days=200)
    db.session.add(
        CircleMeeting(circle_id=circle.id, start_dt=old, end_dt=old + timedelta(hours=1))
    )
    db.session.commit()
    assert parse(client.get(f"/kalender/qz/{circle.id}.ics")).events == []


def test_a_changed_meeting_changes_the_etag(client, circle):
    etag = client.get(f"/kalender/qz/{circle.id}.ics").headers["ETag"]
    add_exceptions(circle)
    response = client.get(f"/kalender/qz/{circle.id}.ics", headers={"If-None-Match": etag})
    assert response.status_code == 200 and b"EXDATE" in response.data


def test_an_unknown_circle_is_not_found(client):
    assert client.get("/kalender/qz/999.ics").status_code == 404


def test_a_closed_circles_feed_is_for_its_members_only(client, auth):
    member = factories.make_member(with_account=True)
    outsider = factories.make_member(with_account=True)
    closed = factories.make_circle(is_open=False, members=[member])
    url = f"/kalender/qz/{closed.id}.ics"

    assert client.get(url).status_code == 404
    auth.login(outsider.email)
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login(member.email)
    response = client.get(url)
    assert response.status_code == 200 and response.cache_control.private


def test_an_open_circles_feed_is_public(client, circle):
    response = client.get(f"/kalender/qz/{circle.id}.ics")
    assert response.status_code == 200 and response.cache_control.public
