"""A quality circle's meetings as iCalendar components: pure functions, no HTTP.

The schedule goes out as one VEVENT with RRULE; skipped dates as EXDATE, moved or
relocated meetings as VEVENTs with the same UID and a RECURRENCE-ID, and single
meetings as VEVENTs of their own. Every calendar program then expands the series itself,
as netzwerk.circles.schedule does for the pages.
"""

from __future__ import annotations

from datetime import datetime

import icalendar

from netzwerk.calendar.ical import describe, host_of, local_time, stamp
from netzwerk.circles.models import Circle, CircleMeeting
from netzwerk.circles.schedule import SeriesParts

CATEGORY = "Qualitätszirkel"


def circle_uid(circle: Circle, base_url: str) -> str:
    return f"circle-{circle.id}@{host_of(base_url)}"


def circle_meeting_uid(meeting: CircleMeeting, base_url: str) -> str:
    return f"circle-meeting-{meeting.id}@{host_of(base_url)}"


def circle_title(name: str) -> str:
    if name.lower().startswith(("qz", "qualitätszirkel")):
        return name
    return f"Qualitätszirkel {name}"


def _newest(*values: datetime) -> datetime:
    return max(stamp(value) for value in values)


def _common(component: icalendar.Event, circle: Circle, url: str, note: str = "") -> None:
    component.add("summary", circle_title(circle.name))
    extra = [f"Hinweis: {note}"] if note else []
    component.add("description", describe(circle.description, url, extra, "Termine und Protokolle"))
    component.add("url", url)
    component.add("categories", [CATEGORY])
    component.add("status", "CONFIRMED")


def _location(component: icalendar.Event, location: str) -> None:
    if location:
        component.add("location", location)


def series_component(circle: Circle, parts: SeriesParts, *, base_url: str, url: str):
    """The regular meetings: RRULE from the schedule, EXDATE for every skipped date."""
    changed = _newest(circle.updated_dt, *(m.updated_dt for m in parts.skipped))
    component = icalendar.Event()
    component.add("uid", circle_uid(circle, base_url))
    component.add("dtstamp", changed)
    component.add("last-modified", changed)
    component.add("sequence", circle.ical_sequence)
    component.add("dtstart", local_time(parts.start_dt))
    component.add("dtend", local_time(parts.start_dt + parts.duration))
    component.add("rrule", parts.rule)
    if parts.skipped:
        component.add("exdate", [local_time(m.recurrence_dt) for m in parts.skipped])
    _common(component, circle, url)
    _location(component, circle.default_location)
    return component


def override_component(circle: Circle, meeting: CircleMeeting, *, base_url: str, url: str):
    """One occurrence of the series at another time or place (RECURRENCE-ID)."""
    changed = _newest(circle.updated_dt, meeting.updated_dt)
    component = icalendar.Event()
    component.add("uid", circle_uid(circle, base_url))
    component.add("recurrence-id", local_time(meeting.recurrence_dt))
    component.add("dtstamp", changed)
    component.add("last-modified", changed)
    # Never below the series' own SEQUENCE, or programs keep the old version.
    component.add("sequence", circle.ical_sequence + meeting.ical_sequence)
    component.add("dtstart", local_time(meeting.start_dt))
    component.add("dtend", local_time(meeting.end_dt))
    _common(component, circle, url, meeting.note)
    _location(component, meeting.location or circle.default_location)
    return component


def one_off_component(circle: Circle, meeting: CircleMeeting, *, base_url: str, url: str):
    """A meeting outside the schedule, with a UID of its own."""
    changed = _newest(circle.updated_dt, meeting.updated_dt)
    component = icalendar.Event()
    component.add("uid", circle_meeting_uid(meeting, base_url))
    component.add("dtstamp", changed)
    component.add("last-modified", changed)
    component.add("sequence", circle.ical_sequence + meeting.ical_sequence)
    component.add("dtstart", local_time(meeting.start_dt))
    component.add("dtend", local_time(meeting.end_dt))
    _common(component, circle, url, meeting.note)
    _location(component, meeting.location or circle.default_location)
    return component


def circle_components(
    circle: Circle,
    parts: SeriesParts,
    *,
    base_url: str,
    url: str,
    since: datetime | None = None,
) -> list[icalendar.Event]:
    """Everything of one circle; single meetings that ended before `since` are left out.

    The series keeps all its exceptions, old ones too: without them a program would put
    a long-moved meeting back at its scheduled time.
    """
    components = []
    if parts.rule is not None:
        components.append(series_component(circle, parts, base_url=base_url, url=url))
        components += [
            override_component(circle, meeting, base_url=base_url, url=url)
            for meeting in parts.changed
        ]
    components += [
        one_off_component(circle, meeting, base_url=base_url, url=url)
        for meeting in parts.one_offs
        if since is None or meeting.end_dt >= since
    ]
    return components
