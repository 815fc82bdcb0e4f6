"""The coordinator's verbs: events and workshops, and the office's hand on registrations.

Like every operation these flush and never commit; the route commits once.
"""

from __future__ import annotations

import copy
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from netzwerk.audit import record_audit
from netzwerk.core.timeutil import shift_local, utc_to_berlin
from netzwerk.db import db, utcnow
from netzwerk.events import notifications
from netzwerk.events.models import (
    Event,
    EventState,
    Registration,
    RegistrationState,
    Workshop,
    WorkshopChoice,
)
from netzwerk.events.operations import (
    ACTIVE_STATES,
    Applicant,
    Picks,
    _assign_workshops,
    _existing_registration,
    _place,
    _release_expired_offers,
    _set_choices,
    cancel_registration,
    lock_event,
    places_taken,
    promote_from_waitlist,
    validate_picks,
)
from netzwerk.events.rules import RegistrationRefused, check_registration_open
from netzwerk.members.models import ProfessionalGroup

# A change to any of these makes calendar programs update the entry (iCalendar SEQUENCE).
TIME_AND_PLACE = ("start_dt", "end_dt", "venue", "address", "online_url")
COPIED_FIELDS = (
    "kind", "description", "programme", "venue", "address", "online_url",
    "organiser_name", "organiser_email", "organiser_phone", "is_public", "capacity",
    "allows_guests", "allows_second_choice", "waitlist_mode", "offer_hours",
    "reminder_days", "certificate_hours",
)  # fmt: skip
SHIFTED_FIELDS = (
    "start_dt", "end_dt", "registration_opens_dt", "registration_closes_dt",
    "cancellation_deadline_dt", "suggestions_open_dt", "suggestions_close_dt",
)  # fmt: skip


class EventActionRefused(Exception):
    """The coordinator's action does not fit the event's state; the message is German."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class EditConflict(EventActionRefused):
    def __init__(self):
        super().__init__(
            "Diese Veranstaltung wurde inzwischen von jemand anderem geändert. "
            "Ihre Änderungen wurden nicht gespeichert."
        )


def _groups(group_ids) -> list[ProfessionalGroup]:
    if not group_ids:
        return []
    return list(
        db.session.execute(
            select(ProfessionalGroup)
            .where(ProfessionalGroup.id.in_(list(group_ids)))
            .order_by(ProfessionalGroup.position)
        )
        .scalars()
        .all()
    )


# --- events -------------------------------------------------------------------------


def create_event(*, target_group_ids=(), **fields) -> Event:
    event = Event(state=EventState.DRAFT, **fields)
    event.target_groups = _groups(target_group_ids)
    db.session.add(event)
    db.session.flush()
    return event


def update_event(
    event: Event, expected_version: int | None, *, target_group_ids=None, **fields
) -> Event:
    """Apply the form unless someone else saved since it was loaded (optimistic locking)."""
    if expected_version != event.version:
        raise EditConflict()
    time_or_place_changed = any(
        getattr(event, name) != fields[name] for name in TIME_AND_PLACE if name in fields
    )
    had_capacity = event.capacity
    try:
        # One flush at the end: a racing save surfaces there, not in some lazy load.
        with db.session.no_autoflush:
            for name, value in fields.items():
                setattr(event, name, value)
            if target_group_ids is not None:
                event.target_groups = _groups(target_group_ids)
            if time_or_place_changed:
                event.ical_sequence += 1
            # Always write the row: the version rises even when only target groups changed.
            event.updated_dt = utcnow()
        db.session.flush()
    except StaleDataError as exc:
        raise EditConflict() from exc
    if event.state == EventState.PUBLISHED and time_or_place_changed:
        announce_change(event)
    if event.state == EventState.PUBLISHED and _more_places(had_capacity, event.capacity):
        promote_from_waitlist(lock_event(event.id))
    return event


def announce_change(event: Event) -> list[Registration]:
    """Tell everyone holding or awaiting a place about a new time or place, with the
    calendar entry (raised SEQUENCE) that moves it in their calendar program."""
    registrations = (
        db.session.execute(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.state.in_(ACTIVE_STATES))
            .options(selectinload(Registration.workshop_choices))
            .order_by(Registration.id)
        )
        .scalars()
        .all()
    )
    for registration in registrations:
        notifications.event_changed(registration)
    return registrations


def _more_places(before: int | None, after: int | None) -> bool:
    if after is None:
        return before is not None
    return before is not None and after > before


def publish_event(event: Event) -> Event:
    if event.state == EventState.CANCELLED:
        raise EventActionRefused("Eine abgesagte Veranstaltung kann nicht veröffentlicht werden.")
    if event.state == EventState.PUBLISHED:
        return event  # a second click changes nothing
    event.state = EventState.PUBLISHED
    event.ical_sequence += 1
    db.session.flush()
    return event


def cancel_event(event: Event, message: str = "", now: datetime | None = None) -> list:
    """Cancel the event: every active registration is cancelled and told so by e-mail.

    Guests who never confirmed their address get no mail: it may not be theirs.
    Returns the registrations that were notified.
    """
    now = now or utcnow()
    event = lock_event(event.id)
    if event.state == EventState.CANCELLED:
        return []
    event.state = EventState.CANCELLED
    event.cancelled_dt = now
    event.ical_sequence += 1
    registrations = (
        db.session.execute(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.state.in_(ACTIVE_STATES + (RegistrationState.UNCONFIRMED,)),
            )
            .options(selectinload(Registration.workshop_choices))
            .order_by(Registration.id)
        )
        .scalars()
        .all()
    )
    notified = []
    for registration in registrations:
        if registration.state != RegistrationState.UNCONFIRMED:
            notified.append(registration)
        registration.state = RegistrationState.CANCELLED
        registration.cancelled_dt = now
        registration.offer_expires_dt = None
        for choice in registration.workshop_choices:
            choice.is_assigned = False
    db.session.flush()
    for registration in notified:
        notifications.event_cancelled(registration, message=message)
    record_audit(
        "event_cancelled",
        "event",
        event.id,
        f"„{event.title}“ abgesagt, {len(notified)} benachrichtigt",
    )
    return notified


def copy_event(event: Event, weeks: int) -> Event:
    """A draft copy with the same workshops, its dates moved by whole weeks (52: next year)."""
    delta = timedelta(weeks=weeks)

    def shifted(value):
        return shift_local(value, delta) if value else None

    new = Event(
        state=EventState.DRAFT,
        copied_from_id=event.id,
        questions=copy.deepcopy(event.questions or []),
        **{name: getattr(event, name) for name in COPIED_FIELDS},
        **{name: shifted(getattr(event, name)) for name in SHIFTED_FIELDS},
    )
    new.title = _title_for_copy(event.title, event.start_dt, new.start_dt)
    new.target_groups = list(event.target_groups)
    for workshop in event.workshops:
        new.workshops.append(
            Workshop(
                title=workshop.title,
                description=workshop.description,
                facilitator=workshop.facilitator,
                room=workshop.room,
                slot=workshop.slot,
                start_dt=shifted(workshop.start_dt),
                end_dt=shifted(workshop.end_dt),
                capacity=workshop.capacity,
            )
        )
    db.session.add(new)
    db.session.flush()
    return new


def _title_for_copy(title: str, old_start: datetime, new_start: datetime) -> str:
    old_year, new_year = utc_to_berlin(old_start).year, utc_to_berlin(new_start).year
    if old_year == new_year:
        return title
    return re.sub(rf"(?<!\d){old_year}(?!\d)", str(new_year), title)


def delete_event(event: Event) -> None:
    if event.state != EventState.DRAFT:
        raise EventActionRefused(
            "Nur Entwürfe können gelöscht werden. Eine veröffentlichte Veranstaltung "
            "sagen Sie bitte ab."
        )
    if _count(select(Registration.id).where(Registration.event_id == event.id)):
        raise EventActionRefused(
            "Zu dieser Veranstaltung gibt es Anmeldungen; sie kann nicht gelöscht werden."
        )
    for workshop in event.workshops:
        db.session.delete(workshop)
    db.session.delete(event)
    db.session.flush()


def _count(query) -> int:
    return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


# --- workshops ----------------------------------------------------------------------


def create_workshop(event: Event, **fields) -> Workshop:
    workshop = Workshop(**fields)
    event.workshops.append(workshop)
    db.session.flush()
    return workshop


def update_workshop(workshop: Workshop, **fields) -> Workshop:
    moved = any(
        getattr(workshop, name) != fields[name]
        for name in ("start_dt", "end_dt", "room")
        if name in fields
    )
    if moved:
        workshop.ical_sequence += 1
    for name, value in fields.items():
        setattr(workshop, name, value)
    db.session.flush()
    if moved and workshop.event.state == EventState.PUBLISHED:
        for registration in _seated_in(workshop):
            notifications.workshop_changed(registration, workshop)
    return workshop


def _seated_in(workshop: Workshop) -> list[Registration]:
    return list(
        db.session.execute(
            select(Registration)
            .join(WorkshopChoice, WorkshopChoice.registration_id == Registration.id)
            .where(
                WorkshopChoice.workshop_id == workshop.id,
                WorkshopChoice.is_assigned,
                Registration.state == RegistrationState.CONFIRMED,
            )
            .options(selectinload(Registration.workshop_choices))
            .order_by(Registration.id)
        ).scalars()
    )


def delete_workshop(workshop: Workshop) -> None:
    assigned = _count(
        select(WorkshopChoice.id).where(
            WorkshopChoice.workshop_id == workshop.id, WorkshopChoice.is_assigned
        )
    )
    if assigned:
        people = "eine Person" if assigned == 1 else f"{assigned} Personen"
        raise EventActionRefused(
            f"Dem Forum „{workshop.title}“ ist noch {people} zugeteilt. Bitte ändern Sie zuerst "
            "deren Forenwahl oder melden Sie sie ab; dann können Sie das Forum löschen."
        )
    choices = db.session.execute(
        select(WorkshopChoice).where(WorkshopChoice.workshop_id == workshop.id)
    ).scalars()
    for choice in choices:  # second choices and picks of people on the waiting list
        db.session.delete(choice)
    db.session.delete(workshop)
    db.session.flush()


# --- registrations by the office ----------------------------------------------------


def add_registration_by_office(
    event_id: int,
    applicant: Applicant,
    picks: Picks | None = None,
    *,
    override: bool = False,
    now: datetime | None = None,
) -> Registration:
    """The coordinator registers someone: no audience rules, no address confirmation.

    Without override the period and capacity apply (a full event means the waiting
    list); with override the person is confirmed at once, even beyond capacity.
    """
    now = now or utcnow()
    event = lock_event(event_id)
    if event.state == EventState.CANCELLED:
        raise RegistrationRefused("Diese Veranstaltung wurde abgesagt.")
    if event.state == EventState.DRAFT:
        # The confirmation mail would point to a page nobody can see yet.
        raise RegistrationRefused("Bitte veröffentlichen Sie die Veranstaltung zuerst.")
    if not override:
        check_registration_open(event, now)
    chosen = validate_picks(event, picks or {})
    _release_expired_offers(event, now)

    registration = _existing_registration(event, applicant)
    if registration is not None and registration.state not in (
        RegistrationState.CANCELLED,
        RegistrationState.UNCONFIRMED,
    ):
        raise RegistrationRefused(
            f"{registration.first_name} {registration.last_name} ist für diese Veranstaltung "
            "bereits angemeldet.",
            field="email",
        )
    if registration is None:
        registration = Registration(event=event, email=applicant.email.strip().lower())
        db.session.add(registration)
    _fill(registration, applicant, now)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise RegistrationRefused(
            "Diese Person ist für diese Veranstaltung bereits angemeldet.", field="email"
        ) from exc
    _set_choices(registration, chosen)
    if override:
        _confirm(event, registration, now)
    else:
        _place(event, registration, now)
    notifications.registration_placed(registration)
    record_audit(
        "registration_added",
        "registration",
        registration.id,
        f"{registration.first_name} {registration.last_name} zu „{event.title}“ angemeldet",
    )
    return registration


def _fill(registration: Registration, applicant: Applicant, now: datetime) -> None:
    registration.member_id = applicant.member.id if applicant.member else None
    registration.first_name = applicant.first_name
    registration.last_name = applicant.last_name
    registration.group_id = applicant.group_id
    registration.employer_name = applicant.employer_name
    registration.school_name = applicant.school_name
    registration.answers = applicant.answers
    registration.token_nonce = secrets.token_hex(8)
    registration.cancelled_dt = None
    registration.offer_expires_dt = None
    registration.created_dt = now
    registration.state = RegistrationState.UNCONFIRMED


def _confirm(event: Event, registration: Registration, now: datetime) -> None:
    registration.state = RegistrationState.CONFIRMED
    registration.confirmed_dt = now
    registration.offer_expires_dt = None
    _assign_workshops(event, registration, strict=False)


def confirm_by_office(registration: Registration, now: datetime | None = None) -> Registration:
    """Give someone on the waiting list (or with an open offer) a place, capacity or not."""
    now = now or utcnow()
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.state == RegistrationState.CONFIRMED:
        return registration
    if registration.state not in (RegistrationState.WAITING, RegistrationState.OFFERED):
        raise EventActionRefused(
            "Bestätigen können Sie nur Personen auf der Warteliste oder mit einem Platzangebot."
        )
    _confirm(event, registration, now)
    notifications.promoted(registration)
    _audit(registration, "registration_confirmed", "bestätigt")
    return registration


def move_to_waitlist(registration: Registration, now: datetime | None = None) -> Registration:
    """Put a confirmed person at the end of the waiting list; the place goes to the next."""
    now = now or utcnow()
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.state == RegistrationState.WAITING:
        return registration
    if registration.state not in (RegistrationState.CONFIRMED, RegistrationState.OFFERED):
        raise EventActionRefused(
            "Auf die Warteliste setzen können Sie nur bestätigte Personen oder solche "
            "mit einem Platzangebot."
        )
    if event.capacity is None:
        raise EventActionRefused(
            "Diese Veranstaltung hat keine Platzbegrenzung und daher keine Warteliste."
        )
    _release_expired_offers(event, now)
    if registration.state == RegistrationState.CANCELLED:
        raise EventActionRefused("Das Platzangebot dieser Person ist inzwischen abgelaufen.")
    others_waiting = _count(
        select(Registration.id).where(
            Registration.event_id == event.id, Registration.state == RegistrationState.WAITING
        )
    )
    free_after = event.capacity - (places_taken(event, now) - 1)
    if free_after > others_waiting:
        raise EventActionRefused(
            "Es sind genug Plätze frei: die Person würde sofort wieder nachrücken. "
            "Setzen Sie zuerst die Platzzahl herab."
        )
    registration.state = RegistrationState.WAITING
    registration.created_dt = now  # the waiting list is ordered by this: to the end
    registration.confirmed_dt = None
    registration.offer_expires_dt = None
    for choice in registration.workshop_choices:
        choice.is_assigned = False
    db.session.flush()
    notifications.registration_placed(registration)
    _audit(registration, "registration_waitlisted", "auf die Warteliste gesetzt")
    promote_from_waitlist(event, now)
    return registration


def cancel_by_office(registration: Registration, now: datetime | None = None) -> Registration:
    if registration.state == RegistrationState.CANCELLED:
        return registration
    cancel_registration(registration, now=now, by_office=True)
    _audit(registration, "registration_cancelled", "abgemeldet")
    return registration


def _audit(registration: Registration, action: str, what: str) -> None:
    record_audit(
        action,
        "registration",
        registration.id,
        f"{registration.first_name} {registration.last_name} bei „{registration.event.title}“ "
        f"{what}",
    )
