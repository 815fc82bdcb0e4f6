"""A circle's schedule: Berlin wall clock across DST, skipped, moved and one-off meetings."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from netzwerk.circles.models import Circle, CircleKind, CircleMeeting
from netzwerk.circles.schedule import (
    ScheduleError,
    check_rule,
    ical_rule,
    next_meetings,
    occurrences,
    series_parts,
)

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def circle(rule="FREQ=MONTHLY;BYDAY=2TH", start=None, minutes=120, **kwargs) -> Circle:
    """Every second Thursday of the month, 16:00 in Berlin, from September 2026."""
    return Circle(
        id=kwargs.pop("id", 1),
        name="QZ Grundschule",
        kind=CircleKind.SCHOOL_FORM,
        schedule_rrule=rule,
        schedule_start_dt=start or berlin(2026, 9, 10, 16, 0),
        schedule_minutes=minutes,
        default_location="Rathaus, Raum 3",
        **kwargs,
    )


def override(at, *, start=None, minutes=120, skipped=False, location="", meeting_id=None):
    start = start or at
    return CircleMeeting(
        id=meeting_id,
        circle_id=1,
        recurrence_dt=at,
        start_dt=start,
        end_dt=start + timedelta(minutes=minutes),
        location=location,
        is_skipped=skipped,
    )


def one_off(start, minutes=90, location="Jugendzentrum"):
    return CircleMeeting(
        circle_id=1,
        recurrence_dt=None,
        start_dt=start,
        end_dt=start + timedelta(minutes=minutes),
        location=location,
        is_skipped=False,
    )


def local_starts(found):
    return [o.start_dt.astimezone(BERLIN).replace(tzinfo=None) for o in found]


def test_meetings_stay_at_four_oclock_across_the_change_to_winter_time():
    found = occurrences(circle(), berlin(2026, 10, 1), berlin(2026, 12, 1), meetings=[])

    assert local_starts(found) == [datetime(2026, 10, 8, 16, 0), datetime(2026, 11, 12, 16, 0)]
    assert [o.start_dt.hour for o in found] == [14, 15]  # UTC: summer, then winter time
    assert all(o.end_dt - o.start_dt == timedelta(hours=2) for o in found)
    assert all(o.location == "Rathaus, Raum 3" for o in found)


def test_a_skipped_meeting_is_left_out_unless_asked_for():
    skipped = override(berlin(2026, 11, 12, 16, 0), skipped=True)
    window = (berlin(2026, 10, 1), berlin(2027, 1, 1))

    found = occurrences(circle(), *window, meetings=[skipped])
    assert local_starts(found) == [datetime(2026, 10, 8, 16), datetime(2026, 12, 10, 16)]

    shown = occurrences(circle(), *window, meetings=[skipped], include_skipped=True)
    assert [o.is_skipped for o in shown] == [False, True, False]
    assert shown[1].recurrence_dt == berlin(2026, 11, 12, 16, 0)


def test_a_moved_meeting_counts_at_its_new_time_and_keeps_its_key():
    moved = override(
        berlin(2026, 11, 12, 16, 0), start=berlin(2026, 11, 19, 17, 0), location="Aula"
    )
    found = occurrences(circle(), berlin(2026, 11, 1), berlin(2026, 12, 1), meetings=[moved])

    (meeting,) = found
    assert meeting.start_dt == berlin(2026, 11, 19, 17, 0)
    assert meeting.key == meeting.recurrence_dt == berlin(2026, 11, 12, 16, 0)
    assert meeting.is_moved and meeting.location == "Aula"
    assert meeting.meeting is moved


def test_moving_across_the_window_edge_moves_the_meeting_in_or_out():
    into = override(berlin(2026, 10, 8, 16, 0), start=berlin(2026, 11, 2, 16, 0))
    out = override(berlin(2026, 11, 12, 16, 0), start=berlin(2026, 12, 3, 16, 0))
    found = occurrences(circle(), berlin(2026, 11, 1), berlin(2026, 12, 1), meetings=[into, out])
    assert local_starts(found) == [datetime(2026, 11, 2, 16, 0)]


def test_one_off_meetings_join_the_schedule_in_order():
    extra = one_off(berlin(2026, 10, 20, 9, 30))
    found = occurrences(circle(), berlin(2026, 10, 1), berlin(2026, 11, 30), meetings=[extra])

    assert local_starts(found) == [
        datetime(2026, 10, 8, 16, 0),
        datetime(2026, 10, 20, 9, 30),
        datetime(2026, 11, 12, 16, 0),
    ]
    assert found[1].is_one_off and found[1].recurrence_dt is None
    assert found[1].key == extra.start_dt and found[1].location == "Jugendzentrum"


def test_a_circle_without_schedule_has_only_its_single_meetings():
    lonely = circle(rule="", start=None)
    lonely.schedule_start_dt = None
    extra = one_off(berlin(2026, 10, 20, 9, 30))
    found = occurrences(lonely, berlin(2026, 1, 1), berlin(2027, 1, 1), meetings=[extra])
    assert [o.start_dt for o in found] == [extra.start_dt]


def test_next_meetings_skip_cancelled_dates_and_merge_moved_ones_in_order():
    meetings = [
        override(berlin(2026, 10, 8, 16, 0), skipped=True),
        # The November meeting moves behind the December one.
        override(berlin(2026, 11, 12, 16, 0), start=berlin(2026, 12, 17, 16, 0)),
        one_off(berlin(2026, 11, 20, 10, 0)),
    ]
    found = next_meetings(circle(), berlin(2026, 10, 1), 4, meetings=meetings)
    assert local_starts(found) == [
        datetime(2026, 11, 20, 10, 0),
        datetime(2026, 12, 10, 16, 0),
        datetime(2026, 12, 17, 16, 0),
        datetime(2027, 1, 14, 16, 0),
    ]


def test_a_running_meeting_is_still_among_the_next_meetings():
    found = next_meetings(circle(), berlin(2026, 10, 8, 17, 0), 1, meetings=[])
    assert local_starts(found) == [datetime(2026, 10, 8, 16, 0)]


def test_next_meetings_end_with_a_finite_schedule():
    finite = circle(rule="FREQ=MONTHLY;BYDAY=2TH;COUNT=3")
    assert len(next_meetings(finite, berlin(2026, 1, 1), 10, meetings=[])) == 3


def test_an_until_date_includes_that_day_and_goes_out_in_utc():
    finite = circle(rule="FREQ=MONTHLY;BYDAY=2TH;UNTIL=20261112")
    found = occurrences(finite, berlin(2026, 1, 1), berlin(2027, 12, 1), meetings=[])
    assert local_starts(found)[-1] == datetime(2026, 11, 12, 16, 0)
    assert ical_rule(finite)["UNTIL"] == [berlin(2026, 11, 12, 23, 59, 59)]


def test_an_override_the_changed_schedule_no_longer_has_stands_alone():
    weekly = circle(rule="FREQ=WEEKLY;BYDAY=MO", start=berlin(2026, 9, 7, 16, 0))
    moved = override(berlin(2026, 10, 8, 16, 0), start=berlin(2026, 10, 9, 16, 0))
    stale_skip = override(berlin(2026, 10, 15, 16, 0), skipped=True)

    found = occurrences(weekly, berlin(2026, 10, 9), berlin(2026, 10, 13), meetings=[moved])
    assert local_starts(found) == [datetime(2026, 10, 9, 16, 0), datetime(2026, 10, 12, 16, 0)]
    assert found[0].is_one_off
    parts = series_parts(weekly, [moved, stale_skip])
    assert parts.changed == [] and parts.skipped == [] and parts.one_offs == [moved]


def test_series_parts_sort_overrides_into_exdates_and_recurrence_ids():
    skipped = override(berlin(2026, 10, 8, 16, 0), skipped=True)
    moved = override(berlin(2026, 11, 12, 16, 0), start=berlin(2026, 11, 13, 16, 0))
    extra = one_off(berlin(2026, 10, 20, 9, 30))
    parts = series_parts(circle(), [moved, extra, skipped])
    assert parts.skipped == [skipped] and parts.changed == [moved] and parts.one_offs == [extra]
    assert parts.start_dt == berlin(2026, 9, 10, 16, 0)
    assert parts.duration == timedelta(hours=2)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("RRULE:FREQ=MONTHLY;BYDAY=2TH", "FREQ=MONTHLY;BYDAY=2TH"),
        ("freq=weekly;interval=2;byday=tu", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        ("", ""),
    ],
)
def test_check_rule_accepts_rules_in_the_form_they_are_stored(typed, stored):
    assert check_rule(typed) == stored


@pytest.mark.parametrize("typed", ["FREQ=HOURLY", "FREQ=MONTHLY;BYDAY=XX", "jeden Donnerstag"])
def test_check_rule_refuses_what_calendars_cannot_read_or_would_flood(typed):
    with pytest.raises(ScheduleError):
        check_rule(typed)
