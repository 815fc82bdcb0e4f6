"""The coordinator's desk on the day: who is expected, who came, marking attendance.

Attendance is recorded on confirmed registrations only (attended_dt); a waiting,
unconfirmed or cancelled registration has no place to attend. Verbs flush, never commit.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from netzwerk.core.timeutil import utc_to_berlin
from netzwerk.db import db, utcnow
from netzwerk.events.models import EventState, Registration, RegistrationState, WorkshopChoice
from netzwerk.events.rules import RegistrationRefused

NOT_CONFIRMED = (
    "Anwesenheit kann nur für bestätigte Anmeldungen erfasst werden. Diese Anmeldung ist „{state}“."
)

STATE_LABELS = {
    RegistrationState.UNCONFIRMED: "E-Mail-Adresse nicht bestätigt",
    RegistrationState.CONFIRMED: "Bestätigt",
    RegistrationState.WAITING: "Warteliste",
    RegistrationState.OFFERED: "Platz angeboten",
    RegistrationState.CANCELLED: "Abgemeldet",
}


def state_label(registration: Registration) -> str:
    if is_attended(registration):
        return "Anwesend"
    return STATE_LABELS[registration.state]


def is_attended(registration: Registration) -> bool:
    return (
        registration.state == RegistrationState.CONFIRMED and registration.attended_dt is not None
    )


def mark_attended(
    registration: Registration, attended: bool = True, now: datetime | None = None
) -> Registration:
    """Record (or take back) attendance; marking twice keeps the first time."""
    if registration.state != RegistrationState.CONFIRMED:
        raise RegistrationRefused(NOT_CONFIRMED.format(state=STATE_LABELS[registration.state]))
    if not attended:
        registration.attended_dt = None
    elif registration.attended_dt is None:
        registration.attended_dt = now or utcnow()
    db.session.flush()
    return registration


def checkin_warnings(registration: Registration, today: date) -> list[str]:
    """What the person at the door must know before letting someone in by QR code."""
    event = registration.event
    warnings = []
    if event.state == EventState.CANCELLED:
        warnings.append("Diese Veranstaltung wurde abgesagt.")
    if registration.state == RegistrationState.CANCELLED:
        warnings.append("Diese Anmeldung wurde abgemeldet. Die Person hat keinen Platz.")
    elif registration.state != RegistrationState.CONFIRMED:
        warnings.append(
            f"Diese Anmeldung ist nicht bestätigt („{STATE_LABELS[registration.state]}“). "
            "Die Person hat keinen sicheren Platz."
        )
    first_day = utc_to_berlin(event.start_dt).date()
    last_day = utc_to_berlin(event.end_dt).date()
    if not first_day <= today <= last_day:
        warnings.append("Achtung: Diese Veranstaltung findet nicht heute statt.")
    return warnings


# --- reads for the desk ----------------------------------------------------------


def name_sort_key(registration: Registration) -> tuple[str, str]:
    """Alphabetical as in a German phone book (DIN 5007-1): Ä with A, ß as ss."""

    def fold(text: str) -> str:
        text = text.casefold()
        for umlaut, plain in (("ä", "a"), ("ö", "o"), ("ü", "u"), ("ß", "ss")):
            text = text.replace(umlaut, plain)
        return text

    return fold(registration.last_name), fold(registration.first_name)


def with_participant_details(query):
    return query.options(
        selectinload(Registration.workshop_choices).joinedload(WorkshopChoice.workshop),
        selectinload(Registration.group),
    )


def confirmed_registrations(event_id: int, search: str = "") -> list[Registration]:
    """Confirmed participants (attended or not) by last name; search matches every word."""
    query = select(Registration).where(
        Registration.event_id == event_id, Registration.state == RegistrationState.CONFIRMED
    )
    for word in search.split():
        query = query.where(
            or_(
                Registration.first_name.icontains(word, autoescape=True),
                Registration.last_name.icontains(word, autoescape=True),
                Registration.email.icontains(word, autoescape=True),
            )
        )
    registrations = db.session.execute(with_participant_details(query)).scalars().all()
    return sorted(registrations, key=name_sort_key)


def attended_registrations(event_id: int) -> list[Registration]:
    query = select(Registration).where(
        Registration.event_id == event_id,
        Registration.state == RegistrationState.CONFIRMED,
        Registration.attended_dt.is_not(None),
    )
    return sorted(
        db.session.execute(with_participant_details(query)).scalars().all(), key=name_sort_key
    )


def attendance_count(event_id: int) -> tuple[int, int]:
    """(attended, confirmed) for "N von M anwesend"."""
    attended, confirmed = db.session.execute(
        select(
            func.count(Registration.attended_dt),
            func.count(),
        ).where(
            Registration.event_id == event_id,
            Registration.state == RegistrationState.CONFIRMED,
        )
    ).one()
    return attended, confirmed


def assigned_workshops(registration: Registration):
    """The workshops this person has a seat in, slot by slot."""
    choices = sorted(
        (c for c in registration.workshop_choices if c.is_assigned), key=lambda c: c.slot
    )
    return [choice.workshop for choice in choices]
