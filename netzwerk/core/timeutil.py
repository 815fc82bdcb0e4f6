"""Europe/Berlin wall-clock time for forms and pages; the database keeps UTC."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def berlin_to_utc(local: datetime) -> datetime:
    """A naive Europe/Berlin wall-clock time (as typed into a form) as aware UTC."""
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return local.replace(tzinfo=BERLIN).astimezone(UTC)


def utc_to_berlin(value: datetime) -> datetime:
    """An aware datetime as Europe/Berlin time (aware); naive input is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BERLIN)


def combine_berlin(day: date, clock: time | None = None) -> datetime:
    """A form's date and time inputs (Berlin) as aware UTC; no time means midnight."""
    return berlin_to_utc(datetime.combine(day, clock or time(0, 0)))


def berlin_today(now: datetime | None = None) -> date:
    return utc_to_berlin(now or datetime.now(UTC)).date()


def shift_local(value: datetime, delta: timedelta) -> datetime:
    """Move a UTC time by delta on the Berlin wall clock: 9:00 stays 9:00 across DST."""
    local = utc_to_berlin(value).replace(tzinfo=None)
    return berlin_to_utc(local + delta)
