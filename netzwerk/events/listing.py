"""Reads behind the public event pages: which events a visitor sees, and how full they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from netzwerk.db import db
from netzwerk.events.models import (
    Event,
    EventKind,
    EventState,
    Registration,
    RegistrationState,
    event_target_groups,
)
from netzwerk.events.queries import counts_by_event
from netzwerk.members.models import Member, ProfessionalGroup

EVENTS_PER_PAGE = 20

STATE_LABELS = {
    RegistrationState.UNCONFIRMED: "E-Mail-Adresse noch nicht bestätigt",
    RegistrationState.CONFIRMED: "Angemeldet",
    RegistrationState.WAITING: "Warteliste",
    RegistrationState.OFFERED: "Platz angeboten",
    RegistrationState.CANCELLED: "Abgemeldet",
}

STATE_BADGES = {
    RegistrationState.UNCONFIRMED: "warn",
    RegistrationState.CONFIRMED: "ok",
    RegistrationState.WAITING: "warn",
    RegistrationState.OFFERED: "warn",
    RegistrationState.CANCELLED: "off",
}


@dataclass(frozen=True)
class Availability:
    """What the page says about places: a short German label and a badge colour."""

    label: str
    badge: str
    free: int | None = None


def availability(event: Event, counts: dict, now: datetime) -> Availability:
    if event.state == EventState.CANCELLED:
        return Availability("Abgesagt", "off")
    if event.end_dt < now:
        return Availability("Vergangen", "off")
    taken = counts[RegistrationState.CONFIRMED] + counts[RegistrationState.OFFERED]
    free = None if event.capacity is None else max(event.capacity - taken, 0)
    is_open = not event.registration_closes_dt or now <= event.registration_closes_dt
    if event.registration_opens_dt and now < event.registration_opens_dt:
        return Availability(f"Anmeldung ab {_short(event.registration_opens_dt)}", "", free)
    full = free == 0 or counts[RegistrationState.WAITING] > 0
    if not is_open:
        return Availability("ausgebucht" if full else "Anmeldung geschlossen", "off", free)
    if full:
        return Availability("Warteliste", "warn", free)
    if free is None:
        return Availability("Plätze frei", "ok", None)
    return Availability(f"noch {free} {'Platz' if free == 1 else 'Plätze'}", "ok", free)


def _short(value: datetime) -> str:
    from netzwerk.core.templating import datetime_de

    return datetime_de(value, "short") + " Uhr"


@dataclass
class EventFilters:
    group_slug: str = ""
    kind: str = ""
    archive: bool = False


def visible_events(filters: EventFilters, *, logged_in: bool, now: datetime, page: int = 1):
    """Published events (and cancelled ones until they are over), a page at a time."""
    query = select(Event).options(selectinload(Event.target_groups))
    if filters.archive:
        query = query.where(Event.state == EventState.PUBLISHED, Event.end_dt < now)
        query = query.order_by(Event.start_dt.desc(), Event.id.desc())
    else:
        query = query.where(
            Event.state.in_([EventState.PUBLISHED, EventState.CANCELLED]), Event.end_dt >= now
        )
        query = query.order_by(Event.start_dt, Event.id)
    if not logged_in:
        query = query.where(Event.is_public)
    if filters.kind in {k.value for k in EventKind}:
        query = query.where(Event.kind == EventKind(filters.kind))
    if filters.group_slug:
        query = query.where(_for_group(filters.group_slug))
    return db.paginate(query, page=page, per_page=EVENTS_PER_PAGE, error_out=False)


def _for_group(slug: str):
    """Events aimed at this Berufsgruppe, or at everybody (no target group set)."""
    targeted = select(event_target_groups.c.event_id).join(
        ProfessionalGroup, ProfessionalGroup.id == event_target_groups.c.group_id
    )
    aimed_at_group = Event.id.in_(targeted.where(ProfessionalGroup.slug == slug))
    aimed_at_all = Event.id.not_in(select(event_target_groups.c.event_id))
    return or_(aimed_at_group, aimed_at_all)


def availability_for(events: list[Event], now: datetime) -> dict[int, Availability]:
    """Availability of every event on a page, counted in one query."""
    counts = counts_by_event(event.id for event in events)
    return {event.id: availability(event, counts[event.id], now) for event in events}


def member_registration(event: Event, member: Member | None) -> Registration | None:
    if member is None:
        return None
    return db.session.execute(
        select(Registration).where(
            Registration.event_id == event.id,
            or_(Registration.member_id == member.id, Registration.email == member.email),
        )
    ).scalar_one_or_none()


def waiting_position(registration: Registration) -> int | None:
    """1 for the first in line; None when the registration is not waiting."""
    if registration.state != RegistrationState.WAITING:
        return None
    ahead = db.session.execute(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == registration.event_id,
            Registration.state == RegistrationState.WAITING,
            or_(
                Registration.created_dt < registration.created_dt,
                (Registration.created_dt == registration.created_dt)
                & (Registration.id < registration.id),
            ),
        )
    ).scalar_one()
    return ahead + 1


def registrations_of(member: Member) -> list[Registration]:
    return list(
        db.session.execute(
            select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(or_(Registration.member_id == member.id, Registration.email == member.email))
            .options(selectinload(Registration.event))
            .order_by(Event.start_dt)
        ).scalars()
    )
