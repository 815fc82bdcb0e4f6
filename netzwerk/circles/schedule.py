"""A quality circle's meetings: its recurring schedule expanded with overrides and one-offs.

The schedule is an RFC 5545 RRULE on the Berlin wall clock (a meeting at 16:00 stays at
16:00 across the change to summer time), expanded by dateutil. CircleMeeting rows change
single occurrences: with recurrence_dt they move, relocate or skip the occurrence that the
schedule puts at that time; without, they are meetings of their own. The calendar feed
writes the same data as RRULE + EXDATE + RECURRENCE-ID (netzwerk.calendar.circles), and
tests check that a calendar program's expansion of it matches occurrences() here.

Everything takes and returns timezone-aware UTC datetimes, like the database.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrule, rrulestr
from icalendar import vRecur
from sqlalchemy import select

from netzwerk.circles.models import Circle, CircleMeeting
from netzwerk.core.timeutil import berlin_to_utc, utc_to_berlin
from netzwerk.db import db

# Anything more frequent than daily is a typing mistake, and would expand into millions.
ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


class ScheduleError(ValueError):
    """An RRULE that cannot serve as a circle's schedule; the message is German."""


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a circle.

    key names the occurrence for good: the scheduled start it stands for, also after it
    was moved (MeetingResponse.occurrence_dt and Minutes.occurrence_dt hold it), or a
    one-off's own start.
    """

    circle_id: int
    key: datetime
    start_dt: datetime
    end_dt: datetime
    location: str
    note: str = ""
    is_skipped: bool = False
    is_one_off: bool = False  # a meeting outside the schedule
    meeting: CircleMeeting | None = field(default=None, compare=False, repr=False)

    @property
    def recurrence_dt(self) -> datetime | None:
        """The scheduled start this occurrence stands for; None for a one-off."""
        return None if self.is_one_off else self.key

    @property
    def is_moved(self) -> bool:
        return not self.is_one_off and self.start_dt != self.key


@dataclass
class SeriesParts:
    """A circle's meetings as iCalendar needs them: one series and its exceptions."""

    rule: vRecur | None  # UNTIL in UTC, as RFC 5545 wants it next to a TZID start
    start_dt: datetime | None
    duration: timedelta
    skipped: list[CircleMeeting]  # EXDATE at their recurrence_dt
    changed: list[CircleMeeting]  # RECURRENCE-ID overrides (moved, other place, note)
    one_offs: list[CircleMeeting]  # VEVENTs of their own, never skipped


# --- the rule -------------------------------------------------------------------------


def check_rule(text: str) -> str:
    """The rule as stored (no "RRULE:" prefix, upper case), or ScheduleError in German."""
    text = text.strip().removeprefix("RRULE:").removeprefix("rrule:").strip().upper()
    if not text:
        return ""
    try:
        recur = vRecur.from_ical(text)
        frequency = recur.get("FREQ", [""])[0]
        if frequency not in ALLOWED_FREQUENCIES:
            raise ScheduleError(
                "Bitte wählen Sie einen Rhythmus von täglich bis jährlich (FREQ=WEEKLY, "
                "MONTHLY, ...)."
            )
        _local_rule(recur, datetime(2000, 1, 1, 9, 0))
    except ScheduleError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise ScheduleError(
            "Diese Regel verstehen Kalenderprogramme nicht, z. B. FREQ=MONTHLY;BYDAY=2TH "
            "für jeden zweiten Donnerstag im Monat."
        ) from exc
    return text


def _local(value: datetime) -> datetime:
    return utc_to_berlin(value).replace(tzinfo=None, microsecond=0)


def _local_until(until) -> datetime:
    if isinstance(until, datetime):
        return _local(until) if until.tzinfo else until
    if isinstance(until, date):
        # A date means "up to and including that day" to the people who type it.
        return datetime.combine(until, time(23, 59, 59))
    raise ValueError("UNTIL")


def _local_rule(recur: vRecur, local_start: datetime) -> rrule:
    recur = vRecur(recur)
    if "UNTIL" in recur:
        recur["UNTIL"] = [_local_until(recur["UNTIL"][0])]
    return rrulestr(recur.to_ical().decode(), dtstart=local_start, cache=True)


def _series(circle: Circle) -> rrule | None:
    if not circle.schedule_rrule or circle.schedule_start_dt is None:
        return None
    return _local_rule(vRecur.from_ical(circle.schedule_rrule), _local(circle.schedule_start_dt))


def ical_rule(circle: Circle) -> vRecur | None:
    """The schedule for an RRULE property: UNTIL as UTC, the form RFC 5545 requires."""
    if not circle.schedule_rrule or circle.schedule_start_dt is None:
        return None
    recur = vRecur.from_ical(circle.schedule_rrule)
    if "UNTIL" in recur:
        recur["UNTIL"] = [berlin_to_utc(_local_until(recur["UNTIL"][0]))]
    return recur


def _starts(series: rrule, local_from: datetime, local_to: datetime) -> list[datetime]:
    return [berlin_to_utc(at) for at in series.between(local_from, local_to, inc=True)]


def _is_scheduled(series: rrule | None, at: datetime) -> bool:
    if series is None:
        return False
    local = _local(at)
    return bool(series.between(local, local, inc=True))


# --- meetings ---------------------------------------------------------------------------


def load_meetings(circle_ids: Iterable[int]) -> dict[int, list[CircleMeeting]]:
    """Every circle's meeting rows in one query."""
    ids = list(set(circle_ids))
    by_circle: dict[int, list[CircleMeeting]] = defaultdict(list)
    if not ids:
        return by_circle
    rows = db.session.execute(
        select(CircleMeeting)
        .where(CircleMeeting.circle_id.in_(ids))
        .order_by(CircleMeeting.start_dt, CircleMeeting.id)
    ).scalars()
    for meeting in rows:
        by_circle[meeting.circle_id].append(meeting)
    return by_circle


def _meetings_of(circle: Circle, meetings) -> list[CircleMeeting]:
    if meetings is None:
        return load_meetings([circle.id])[circle.id]
    return list(meetings)


def _key(value: datetime) -> datetime:
    return value.replace(microsecond=0)


def _sort(circle: Circle, series, meetings) -> tuple[dict[datetime, CircleMeeting], list]:
    """Overrides by the start they replace, and the meetings that stand alone.

    An override whose recurrence_dt the schedule no longer produces (the schedule was
    changed afterwards) stands alone if it still takes place; a skip of it means nothing.
    """
    overrides: dict[datetime, CircleMeeting] = {}
    alone = []
    for meeting in meetings:
        if meeting.recurrence_dt is not None and _is_scheduled(series, meeting.recurrence_dt):
            overrides[_key(meeting.recurrence_dt)] = meeting
        elif meeting.recurrence_dt is None or not meeting.is_skipped:
            alone.append(meeting)
    return overrides, alone


def series_parts(circle: Circle, meetings: Iterable[CircleMeeting] | None = None) -> SeriesParts:
    series = _series(circle)
    overrides, alone = _sort(circle, series, _meetings_of(circle, meetings))
    ordered = sorted(overrides.values(), key=lambda m: m.recurrence_dt)
    return SeriesParts(
        rule=ical_rule(circle) if series is not None else None,
        start_dt=_key(circle.schedule_start_dt) if series is not None else None,
        duration=timedelta(minutes=circle.schedule_minutes),
        skipped=[m for m in ordered if m.is_skipped],
        changed=[m for m in ordered if not m.is_skipped],
        one_offs=[m for m in alone if not m.is_skipped],
    )


def _scheduled(circle: Circle, at: datetime) -> Occurrence:
    return Occurrence(
        circle_id=circle.id,
        key=at,
        start_dt=at,
        end_dt=at + timedelta(minutes=circle.schedule_minutes),
        location=circle.default_location,
    )


def _from_meeting(circle: Circle, meeting: CircleMeeting, *, in_series: bool) -> Occurrence:
    start, end = _key(meeting.start_dt), _key(meeting.end_dt)
    if in_series and meeting.is_skipped:
        # A skipped occurrence is shown where the schedule had it.
        start = _key(meeting.recurrence_dt)
        end = start + timedelta(minutes=circle.schedule_minutes)
    return Occurrence(
        circle_id=circle.id,
        key=_key(meeting.recurrence_dt) if in_series else start,
        start_dt=start,
        end_dt=end,
        location=meeting.location or circle.default_location,
        note=meeting.note,
        is_skipped=meeting.is_skipped,
        is_one_off=not in_series,
        meeting=meeting,
    )


def occurrences(
    circle: Circle,
    start: datetime,
    end: datetime,
    *,
    meetings: Iterable[CircleMeeting] | None = None,
    include_skipped: bool = False,
) -> list[Occurrence]:
    """The meetings that begin in [start, end), in order of their start.

    A moved meeting counts where it now takes place; a skipped one (only with
    include_skipped) where it would have. meetings: the circle's CircleMeeting rows if the
    caller has them (otherwise one query loads them).
    """
    series = _series(circle)
    overrides, alone = _sort(circle, series, _meetings_of(circle, meetings))
    found = []
    if series is not None:
        for at in _starts(series, _local(start), _local(end)):
            if not start <= at < end:
                continue
            meeting = overrides.get(at)
            if meeting is None:
                found.append(_scheduled(circle, at))
            elif meeting.is_skipped and include_skipped:
                found.append(_from_meeting(circle, meeting, in_series=True))
    for meeting in overrides.values():
        if not meeting.is_skipped and start <= meeting.start_dt < end:
            found.append(_from_meeting(circle, meeting, in_series=True))
    for meeting in alone:
        if (include_skipped or not meeting.is_skipped) and start <= meeting.start_dt < end:
            found.append(_from_meeting(circle, meeting, in_series=False))
    return sorted(found, key=lambda o: (o.start_dt, o.key))


def next_meetings(
    circle: Circle,
    after: datetime,
    limit: int = 3,
    *,
    meetings: Iterable[CircleMeeting] | None = None,
    include_skipped: bool = False,
) -> list[Occurrence]:
    """The next `limit` meetings that have not ended at `after` (a running one counts)."""
    series = _series(circle)
    overrides, alone = _sort(circle, series, _meetings_of(circle, meetings))
    # Skipped overrides come with the scheduled stream below, at their scheduled place.
    extra = [
        _from_meeting(circle, m, in_series=True) for m in overrides.values() if not m.is_skipped
    ]
    extra += [
        _from_meeting(circle, m, in_series=False)
        for m in alone
        if include_skipped or not m.is_skipped
    ]
    extra = sorted((o for o in extra if o.end_dt > after), key=_order)
    stream = heapq.merge(
        _scheduled_after(circle, series, overrides, after, include_skipped), extra, key=_order
    )
    return list(itertools.islice(stream, max(limit, 0)))


def _order(occurrence: Occurrence):
    return (occurrence.start_dt, occurrence.key)


def _scheduled_after(
    circle: Circle, series, overrides, after: datetime, include_skipped: bool
) -> Iterator[Occurrence]:
    if series is None:
        return
    local_from = _local(after - timedelta(minutes=circle.schedule_minutes))
    for local in series.xafter(local_from, inc=True):
        at = berlin_to_utc(local)
        meeting = overrides.get(at)
        if meeting is None:
            occurrence = _scheduled(circle, at)
            if occurrence.end_dt > after:
                yield occurrence
        elif meeting.is_skipped and include_skipped:
            yield _from_meeting(circle, meeting, in_series=True)
