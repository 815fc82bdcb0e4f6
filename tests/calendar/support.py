"""Shared by the calendar tests: Berlin times and reading a feed with independent parsers."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> datetime:
    """A Berlin wall-clock time as aware UTC, as the database holds it."""
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


class Parsed:
    """One feed read by icalendar, by the strict `ical` package and by vobject."""

    def __init__(self, data: bytes):
        self.data = data
        self.text = data.decode()
        self.calendar = icalendar.Calendar.from_ical(data)
        self.strict = IcsCalendarStream.calendar_from_ics(self.text)
        self.loose = vobject.readOne(self.text)

    @property
    def events(self):
        return self.calendar.walk("VEVENT")

    def uids(self) -> list[str]:
        return [str(e["UID"]) for e in self.events]

    def by_uid(self, uid: str):
        (found,) = [e for e in self.events if str(e["UID"]) == uid and "RECURRENCE-ID" not in e]
        return found

    def summaries(self) -> set[str]:
        return {str(e["SUMMARY"]) for e in self.events}

    def strict_summaries(self) -> set[str]:
        return {e.summary for e in self.strict.events}

    def loose_summaries(self) -> set[str]:
        return {e.summary.value for e in getattr(self.loose, "vevent_list", [])}


def parse(response) -> Parsed:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Parsed(response.data)
