"""Events and workshops as iCalendar components and calendars: pure functions, no HTTP.

Times go out as TZID=Europe/Berlin with a matching VTIMEZONE, so Outlook and friends
never show them an hour off; SEQUENCE and STATUS let changes and cancellations arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from urllib.parse import urlsplit

import icalendar
from flask import current_app
from icalendar import vDuration

from netzwerk.core.timeutil import utc_to_berlin
from netzwerk.events.models import Event, EventState, Registration, RegistrationState, Workshop

PRODID = "-//Koordinierungsstelle Schulsozialarbeit//Netzwerk//DE"
DEFAULT_REFRESH = timedelta(hours=1)

BERLIN_TZID = "Europe/Berlin"
# Europe/Berlin as yearly rules, as tzurl.org publishes it for Outlook. icalendar's own
# VTIMEZONE lists every change as RDATE, which dateutil/vobject (and, reportedly, Outlook)
# misread: summer dates then come out an hour off. The EU rule holds since 1996.
BERLIN_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
X-LIC-LOCATION:Europe/Berlin
BEGIN:DAYLIGHT
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""

STATUS_BY_STATE = {
    EventState.PUBLISHED: "CONFIRMED",
    EventState.DRAFT: "TENTATIVE",
    EventState.CANCELLED: "CANCELLED",
}


# How the personal feed marks places that are not certain yet.
PERSONAL_PREFIXES = {
    RegistrationState.WAITING: "Warteliste",
    RegistrationState.OFFERED: "Platz angeboten",
}


def host_of(base_url: str) -> str:
    return urlsplit(base_url).hostname or "netzwerk.invalid"


def event_uid(event: Event, base_url: str) -> str:
    return f"event-{event.id}@{host_of(base_url)}"


def workshop_uid(workshop: Workshop, base_url: str) -> str:
    return f"workshop-{workshop.id}@{host_of(base_url)}"


def event_page_url(event: Event, base_url: str) -> str:
    # The public path is part of the outside contract (CONTRACT.md), so it is safe to spell out.
    return f"{base_url.rstrip('/')}/veranstaltungen/{event.id}"


def event_location(event: Event) -> str:
    place = ", ".join(part for part in (event.venue, event.address) if part)
    if place and event.online_url:
        return f"{place} (online: {event.online_url})"
    return place or event.online_url


def local_time(value: datetime) -> datetime:
    return utc_to_berlin(value)


def stamp(value: datetime) -> datetime:
    # iCalendar has whole seconds; dropping the rest keeps components equal to what parses back.
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.replace(microsecond=0)


def describe(
    text: str, url: str, extra: list[str] = (), link_label="Alle Informationen und Anmeldung"
) -> str:
    parts = [part for part in (text.strip(), *extra) if part]
    parts.append(f"{link_label}: {url}")
    return "\n\n".join(parts)


SUMMARY_PREFIXES = {EventState.CANCELLED: "Abgesagt", EventState.DRAFT: "Entwurf"}


def _summary(title: str, state: EventState) -> str:
    # Google ignores STATUS in subscribed feeds; the title still tells people.
    prefix = SUMMARY_PREFIXES.get(state)
    return f"{prefix}: {title}" if prefix else title


def event_component(
    event: Event, *, base_url: str, extra_description: list[str] = ()
) -> icalendar.Event:
    url = event_page_url(event, base_url)
    component = icalendar.Event()
    component.add("uid", event_uid(event, base_url))
    component.add("dtstamp", stamp(event.updated_dt))
    component.add("last-modified", stamp(event.updated_dt))
    component.add("sequence", event.ical_sequence)
    component.add("dtstart", local_time(event.start_dt))
    component.add("dtend", local_time(event.end_dt))
    component.add("summary", _summary(event.title, event.state))
    component.add("description", describe(event.description, url, list(extra_description)))
    location = event_location(event)
    if location:
        component.add("location", location)
    component.add("url", url)
    component.add("categories", [event.kind.label, *(g.name for g in event.target_groups)])
    component.add("status", STATUS_BY_STATE[event.state])
    return component


def workshop_component(workshop: Workshop, *, base_url: str) -> icalendar.Event:
    """A workshop as its own entry; without its own times it takes the event's."""
    event = workshop.event
    url = event_page_url(event, base_url)
    changed = max(stamp(workshop.updated_dt), stamp(event.updated_dt))
    component = icalendar.Event()
    component.add("uid", workshop_uid(workshop, base_url))
    component.add("dtstamp", changed)
    component.add("last-modified", changed)
    # The event's changes (time, place, state) reach the workshop's entry as well.
    component.add("sequence", workshop.ical_sequence + event.ical_sequence)
    component.add("dtstart", local_time(workshop.start_dt or event.start_dt))
    component.add("dtend", local_time(workshop.end_dt or event.end_dt))
    component.add("summary", _summary(f"{workshop.title} ({event.title})", event.state))
    facts = [
        f"Leitung: {workshop.facilitator}" if workshop.facilitator else "",
        f"Raum: {workshop.room}" if workshop.room else "",
    ]
    component.add("description", describe(workshop.description, url, [f for f in facts if f]))
    location = ", ".join(p for p in (workshop.room, event_location(event)) if p)
    if location:
        component.add("location", location)
    component.add("url", url)
    component.add("categories", ["Workshop", event.kind.label])
    component.add("status", STATUS_BY_STATE[event.state])
    return component


@cache
def berlin_timezone() -> icalendar.Timezone:
    """The VTIMEZONE component for Europe/Berlin, parsed once and shared by every calendar.

    Calendars only serialise it; parsing it anew cost a fifth of each registration's
    confirmation mail. Nothing may change the shared component.
    """
    return icalendar.Timezone.from_ical(BERLIN_VTIMEZONE)


@cache
def _berlin_timezone_ical() -> bytes:
    return berlin_timezone().to_ical()


def make_calendar(
    components,
    name: str,
    description: str,
    *,
    method: str | None = None,
    refresh: timedelta | None = None,
) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.calendar_name = name
    calendar.description = description
    refresh = refresh or configured_refresh()
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))
    for component in components:
        calendar.add_component(component)
    missing = calendar.get_missing_tzids()
    if BERLIN_TZID in missing:
        calendar.subcomponents.insert(0, berlin_timezone())
        missing.discard(BERLIN_TZID)
    if missing:
        calendar.add_missing_timezones()  # any other zone, should one ever be used
    return calendar


_END = b"END:VCALENDAR\r\n"
_FOLD_OCTETS = 74  # per piece of a folded line; with the leading space of the next, 75


def _fold(line: str) -> bytes:
    """RFC 5545 folding, byte for byte as icalendar's, without its loop over every
    character (which takes a third of the time of a large feed): cut every 74 octets,
    never inside a UTF-8 character, never right after a backslash or caret."""
    data = line.encode()
    if len(data) <= _FOLD_OCTETS:
        return data
    pieces, start = [], 0
    while len(data) - start > _FOLD_OCTETS:
        end = start + _FOLD_OCTETS
        while data[end] & 0xC0 == 0x80:  # a continuation byte: back to the character
            end -= 1
        if end - start > 1 and data[end - 1] in b"\\^":
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces)


def serialize(component: icalendar.cal.Component) -> bytes:
    """component.to_ical(), faster (see _fold)."""
    return b"\r\n".join(_fold(line) for line in component.content_lines() if line) + b"\r\n"


# icalendar's TEXT escaping (vText), in its order; "\\N" becomes a line break first, as there.
_TEXT_ESCAPES = (
    ("\\N", "\n"),
    ("\\", "\\\\"),
    (";", "\\;"),
    (",", "\\,"),
    ("\r\n", "\\n"),
    ("\n", "\\n"),
    ("\r", "\\n"),
)


def _text(value: str) -> str:
    for plain, escaped in _TEXT_ESCAPES:
        if plain in value:
            value = value.replace(plain, escaped)
    return value


def _value(text: str) -> str:
    # icalendar decodes each value it wrote as utf-8-sig, which drops one leading BOM.
    return text[1:] if text.startswith("\ufeff") else text


def _ical_datetime(value: datetime) -> str:
    return (
        f"{value.year:04}{value.month:02}{value.day:02}"
        f"T{value.hour:02}{value.minute:02}{value.second:02}"
    )


def _integer(value: int) -> int:
    # As icalendar: RFC 5545 integers are 32-bit (invitation SEQUENCEs reach that in 2088).
    if not -(2**31) <= value < 2**31:
        raise ValueError(f"Integer {value} is outside the RFC 5545 range")
    return int(value)


def event_bytes(event: Event, *, base_url: str) -> bytes:
    """serialize(event_component(event)), byte for byte, written directly.

    The feeds hold thousands of events; icalendar spends 0.35 ms on each (building the
    component, then its properties and parameters), which made a cold feed of 3,000 cost
    half a second. The properties and their order are icalendar's (canonical ones first,
    the rest alphabetical); tests/calendar/test_event_bytes.py holds both to the same bytes.
    """
    changed = stamp(event.updated_dt)
    return _vevent_bytes(
        event,
        base_url,
        summary=_summary(event.title, event.state),
        dtstamp=changed,
        last_modified=changed,
        sequence=event.ical_sequence,
        status=STATUS_BY_STATE[event.state],
    )


def _vevent_bytes(
    event: Event,
    base_url: str,
    *,
    summary: str,
    dtstamp: datetime,
    last_modified: datetime,
    sequence: int,
    status: str,
    extra_description: list[str] = (),
    attendee: str = "",
    organizer: str = "",
) -> bytes:
    """The VEVENT of event_component, with the values an invitation replaces, and
    ATTENDEE and ORGANIZER (ready lines) where icalendar's alphabetical order puts them."""
    url = event_page_url(event, base_url)
    categories = ",".join(
        _text(c) for c in (event.kind.label, *(g.name for g in event.target_groups))
    )
    description = describe(event.description, url, list(extra_description))
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_value(_text(summary))}",
        f"DTSTART;TZID={BERLIN_TZID}:{_ical_datetime(local_time(event.start_dt))}",
        f"DTEND;TZID={BERLIN_TZID}:{_ical_datetime(local_time(event.end_dt))}",
        f"DTSTAMP:{_ical_datetime(dtstamp)}Z",
        f"UID:{_value(_text(event_uid(event, base_url)))}",
        f"SEQUENCE:{_integer(sequence)}",
        attendee,
        f"CATEGORIES:{_value(categories)}",
        f"DESCRIPTION:{_value(_text(description))}",
        f"LAST-MODIFIED:{_ical_datetime(last_modified)}Z",
    ]
    location = event_location(event)
    if location:
        lines.append(f"LOCATION:{_value(_text(location))}")
    lines += [organizer, f"STATUS:{status}", f"URL:{_value(url)}", "END:VEVENT"]
    return b"\r\n".join([_fold(line) for line in lines if line]) + b"\r\n"


def calendar_bytes(chunks: list[bytes], name: str, description: str) -> bytes:
    """A feed from VEVENTs serialized before (to_ical), without parsing them again.

    Every component here has its times in Europe/Berlin or UTC, so the Berlin VTIMEZONE
    is the one time zone they need.
    """
    head = make_calendar([], name, description).to_ical()
    timezone = _berlin_timezone_ical() if chunks else b""
    return head.removesuffix(_END) + timezone + b"".join(chunks) + _END


def configured_refresh() -> timedelta:
    """ICAL_REFRESH; from the environment (NETZWERK_ICAL_REFRESH=6) a number arrives: hours."""
    value = current_app.config.get("ICAL_REFRESH") or DEFAULT_REFRESH
    return value if isinstance(value, timedelta) else timedelta(hours=float(value))


def event_calendar(event: Event, *, base_url: str) -> icalendar.Calendar:
    """One event as a file to download or open (/veranstaltungen/<id>.ics)."""
    return make_calendar(
        [event_component(event, base_url=base_url)],
        name=event.title,
        description=f"{event.kind.label} – {current_app.config['OFFICE_NAME']}",
    )


def _assigned_workshops(registration: Registration) -> list[str]:
    titles = [
        f"Workshop (Zeitfenster {c.slot}): {c.workshop.title}"
        + (f", Raum {c.workshop.room}" if c.workshop.room else "")
        for c in sorted(registration.workshop_choices, key=lambda c: c.slot)
        if c.is_assigned
    ]
    return titles


def _waiting_note(registration: Registration) -> str:
    if registration.state == RegistrationState.WAITING:
        return "Sie stehen auf der Warteliste. Sobald ein Platz frei wird, erfahren Sie es."
    if registration.offer_expires_dt:
        until = local_time(registration.offer_expires_dt).strftime("%d.%m.%Y, %H:%M Uhr")
        return f"Ein Platz ist für Sie frei. Bitte sagen Sie bis {until} zu."
    return "Ein Platz ist für Sie frei. Bitte sagen Sie zu."


@dataclass(frozen=True)
class _AsRegistered:
    """How a registered person's entry differs from the event's own: a waiting or offered
    place is TENTATIVE with a note, assigned workshops are listed, and it changed when
    either the event or the registration did."""

    tentative: bool
    summary: str
    status: str
    extra_description: list[str]
    changed: datetime


def _as_registered(registration: Registration) -> _AsRegistered:
    event = registration.event
    tentative = registration.state in PERSONAL_PREFIXES and event.state == EventState.PUBLISHED
    extra = ([_waiting_note(registration)] if tentative else []) + _assigned_workshops(registration)
    return _AsRegistered(
        tentative=tentative,
        summary=(
            f"{PERSONAL_PREFIXES[registration.state]}: {event.title}"
            if tentative
            else _summary(event.title, event.state)
        ),
        status="TENTATIVE" if tentative else STATUS_BY_STATE[event.state],
        extra_description=extra,
        changed=max(stamp(event.updated_dt), stamp(registration.updated_dt)),
    )


def registration_component(registration: Registration, *, base_url: str) -> icalendar.Event:
    """The event as its registered member sees it; waiting or offered places are TENTATIVE."""
    view = _as_registered(registration)
    component = event_component(
        registration.event, base_url=base_url, extra_description=view.extra_description
    )
    _replace(component, "dtstamp", view.changed)
    _replace(component, "last-modified", view.changed)
    if view.tentative:
        _replace(component, "summary", view.summary)
        _replace(component, "status", view.status)
    return component


def _replace(component: icalendar.Event, name: str, value) -> None:
    component.pop(name, None)
    component.add(name, value)


# Invitation SEQUENCEs count from here; see invitation_sequence.
SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def invitation_sequence(registration: Registration) -> int:
    """The SEQUENCE of a registration's REQUEST (a CANCEL adds one).

    It must grow across a cancellation and a new registration of the same person, or
    calendar programs drop the new invitation as older than the cancellation they hold.
    The registration's creation second, renewed by every new registration (and by moving
    it to the waiting list), is such a base; the event's own changes come on top.
    """
    created = stamp(registration.created_dt or registration.event.updated_dt)
    return int((created - SEQUENCE_EPOCH).total_seconds()) + registration.event.ical_sequence


def registration_invitation(registration: Registration, method: str = "REQUEST") -> bytes:
    """The .ics attachment of a registration mail: METHOD:REQUEST or METHOD:CANCEL, or
    METHOD:PUBLISH for a place not yet held (waiting list, offer): a TENTATIVE entry
    without attendee, which the later REQUEST or CANCEL with the same UID replaces.

    Written directly, byte for byte as icalendar wrote the components (registration_component
    for PUBLISH, event_component with ORGANIZER and ATTENDEE otherwise) in make_calendar:
    icalendar cost 0.8 ms per mail. tests/calendar/test_invitation_bytes.py keeps that
    reference and holds both to the same bytes.
    """
    method = method.upper()
    if method not in ("REQUEST", "CANCEL", "PUBLISH"):
        raise ValueError(f"unsupported iTIP method {method}")
    base_url = current_app.config["BASE_URL"]
    if method == "PUBLISH":
        vevent = _placeholder_vevent(registration, base_url)
    else:
        vevent = _itip_vevent(registration, method, base_url)
    return _invitation_calendar(vevent, registration.event, method)


def _placeholder_vevent(registration: Registration, base_url: str) -> bytes:
    """registration_component's entry with the invitation's SEQUENCE and an ORGANIZER."""
    view = _as_registered(registration)
    return _vevent_bytes(
        registration.event,
        base_url,
        summary=view.summary,
        dtstamp=view.changed,
        last_modified=view.changed,
        sequence=invitation_sequence(registration),
        status=view.status,
        extra_description=view.extra_description,
        organizer=_organizer_line(base_url),
    )


def _itip_vevent(registration: Registration, method: str, base_url: str) -> bytes:
    """The event for a REQUEST or CANCEL: the registered person as ATTENDEE."""
    event = registration.event
    # A changed workshop (another pick, or moved by the office) is news for the attendee
    # although the event did not change.
    changed = max(
        stamp(event.updated_dt),
        stamp(registration.updated_dt or event.updated_dt),
        *(stamp(c.workshop.updated_dt) for c in registration.workshop_choices if c.is_assigned),
    )
    cancel = method == "CANCEL"  # a CANCEL must outrank the REQUEST it withdraws
    return _vevent_bytes(
        event,
        base_url,
        summary=_summary(event.title, event.state),
        dtstamp=changed,
        last_modified=stamp(event.updated_dt),
        sequence=invitation_sequence(registration) + (1 if cancel else 0),
        status="CANCELLED" if cancel else STATUS_BY_STATE[event.state],
        extra_description=_assigned_workshops(registration),
        attendee=_attendee_line(registration, method),
        organizer=_organizer_line(base_url),
    )


def _organizer_line(base_url: str) -> str:
    email = current_app.config.get("ICAL_ORGANIZER_EMAIL") or f"no-reply@{host_of(base_url)}"
    return f"ORGANIZER;CN={_param(current_app.config['OFFICE_NAME'])}:{_cal_address(email)}"


def _attendee_line(registration: Registration, method: str) -> str:
    name = f"{registration.first_name} {registration.last_name}"
    confirmed = registration.state == RegistrationState.CONFIRMED and method == "REQUEST"
    partstat = "ACCEPTED" if confirmed else "DECLINED"
    # The organiser address collects no replies, so calendar programs must not send any.
    return (
        f"ATTENDEE;CN={_param(name)};CUTYPE=INDIVIDUAL;PARTSTAT={partstat}"
        f";ROLE=REQ-PARTICIPANT;RSVP=FALSE:{_cal_address(registration.email)}"
    )


def _cal_address(email: str) -> str:
    # As vCalAddress: a line break would end the property and start one of the sender's.
    if "\r" in email or "\n" in email:
        raise ValueError(f"A CAL-ADDRESS value may not contain CR or LF characters: {email!r}")
    return f"mailto:{email}"


# RFC 6868 as icalendar's Parameters.to_ical applies it; no replacement makes a later one match.
_PARAM_ESCAPES = (("^", "^^"), ("\r\n", "^n"), ("\r", "^n"), ("\n", "^n"), ('"', "^'"))
# A value with one of these goes in double quotes (space and apostrophe: for CN only).
_PARAM_QUOTED = frozenset(" ',;:\u2019")


def _param(value: str) -> str:
    """A CN parameter value as icalendar writes it."""
    quoted = not _PARAM_QUOTED.isdisjoint(value)
    for plain, escaped in _PARAM_ESCAPES:
        if plain in value:
            value = value.replace(plain, escaped)
    return f'"{value}"' if quoted else value


def _invitation_calendar(vevent: bytes, event: Event, method: str) -> bytes:
    """make_calendar([component], ...).to_ical(), byte for byte, written directly:
    the shared Berlin VTIMEZONE goes in as bytes serialized once."""
    about = f"{event.kind.label} – {current_app.config['OFFICE_NAME']}"
    refresh = _duration(configured_refresh())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_value(_text(PRODID))}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        f"DESCRIPTION:{_value(_text(about))}",
        f"X-WR-CALDESC:{_verbatim(about)}",
        f"NAME:{_verbatim(event.title)}",
        f"X-WR-CALNAME:{_verbatim(event.title)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]
    head = b"\r\n".join([_fold(line) for line in lines]) + b"\r\n"
    return head + _berlin_timezone_ical() + vevent + _END


def _verbatim(text: str) -> str:
    """A value of a property icalendar does not know (NAME among them): not escaped.

    A line break there would end the property; icalendar refuses it (an assertion).
    """
    if "\n" in text:
        raise ValueError(f"line break in an unescaped iCalendar value: {text!r}")
    return _value(text)


@cache
def _duration(value: timedelta) -> str:
    return vDuration(value).to_ical().decode()
