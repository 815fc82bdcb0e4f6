"""Registration verbs: register, confirm a guest, cancel, promote from the waiting list.

Capacity never overbooks: every verb that fills or frees a place first locks the
event row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the request's write
transaction already began with BEGIN IMMEDIATE), counts, and decides inside that
transaction. The unique constraint (event_id, email) is the last line of defence
against double registrations. Operations flush and never commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from netzwerk.db import db, utcnow
from netzwerk.events import notifications
from netzwerk.events.models import (
    Event,
    Registration,
    RegistrationState,
    WaitlistMode,
    Workshop,
    WorkshopChoice,
)
from netzwerk.events.rules import (
    RegistrationRefused,
    check_audience,
    check_cancellation_allowed,
    check_registration_open,
)
from netzwerk.members.models import Member

ACTIVE_STATES = (RegistrationState.CONFIRMED, RegistrationState.WAITING, RegistrationState.OFFERED)


@dataclass
class Applicant:
    """The person registering: a member (profile filled in) or a guest."""

    email: str
    first_name: str
    last_name: str
    member: Member | None = None
    group_id: int | None = None
    employer_name: str = ""
    school_name: str = ""
    answers: dict = field(default_factory=dict)

    @classmethod
    def from_member(cls, member: Member, answers: dict | None = None) -> Applicant:
        return cls(
            email=member.email,
            first_name=member.first_name,
            last_name=member.last_name,
            member=member,
            group_id=member.group_id,
            employer_name=member.employer.name if member.employer else "",
            school_name=", ".join(school.name for school in member.schools),
            answers=answers or {},
        )


# Workshop picks: slot -> workshop ids in order of preference (first, optional second choice).
Picks = dict[int, list[int]]


def lock_event(event_id: int) -> Event:
    """Load the event and hold its row lock until the transaction ends."""
    event = db.session.execute(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if event is None:
        raise RegistrationRefused("Diese Veranstaltung gibt es nicht (mehr).")
    return event


def places_taken(event: Event, now: datetime) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == event.id,
            (Registration.state == RegistrationState.CONFIRMED)
            | (
                (Registration.state == RegistrationState.OFFERED)
                & (Registration.offer_expires_dt > now)
            ),
        )
    ).scalar_one()


def free_places(event: Event, now: datetime) -> int | None:
    """None means no limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - places_taken(event, now), 0)


def workshop_seats_taken(event: Event) -> dict[int, int]:
    rows = db.session.execute(
        select(WorkshopChoice.workshop_id, func.count())
        .join(Workshop, Workshop.id == WorkshopChoice.workshop_id)
        .where(Workshop.event_id == event.id, WorkshopChoice.is_assigned)
        .group_by(WorkshopChoice.workshop_id)
    ).all()
    return dict(rows)


def _existing_registration(event: Event, applicant: Applicant) -> Registration | None:
    conditions = Registration.email == applicant.email.strip().lower()
    if applicant.member is not None:
        conditions = conditions | (Registration.member_id == applicant.member.id)
    return db.session.execute(
        select(Registration).where(Registration.event_id == event.id, conditions)
    ).scalar_one_or_none()


def validate_picks(event: Event, picks: Picks) -> list[tuple[int, int, int]]:
    """(slot, priority, workshop_id) for valid picks; refuses picks that do not fit."""
    workshops = {w.id: w for w in event.workshops}
    chosen: list[tuple[int, int, int]] = []
    for slot, workshop_ids in picks.items():
        ids = [wid for wid in workshop_ids if wid]
        if not ids:
            continue
        if len(ids) > (2 if event.allows_second_choice else 1) or len(set(ids)) != len(ids):
            raise RegistrationRefused(
                "Bitte wählen Sie je Zeitfenster einen Workshop"
                + (" und höchstens eine andere Zweitwahl." if event.allows_second_choice else "."),
                field=f"slot_{slot}",
            )
        for priority, workshop_id in enumerate(ids, start=1):
            workshop = workshops.get(workshop_id)
            if workshop is None or workshop.slot != slot:
                raise RegistrationRefused(
                    "Dieser Workshop passt nicht zu diesem Zeitfenster.", field=f"slot_{slot}"
                )
            chosen.append((slot, priority, workshop_id))
    return chosen


def _set_choices(registration: Registration, chosen: list[tuple[int, int, int]]) -> None:
    registration.workshop_choices.clear()
    db.session.flush()
    for slot, priority, workshop_id in chosen:
        registration.workshop_choices.append(
            WorkshopChoice(workshop_id=workshop_id, slot=slot, priority=priority)
        )
    db.session.flush()


def _assign_workshops(event: Event, registration: Registration, *, strict: bool) -> None:
    """Give a confirmed registration a seat per slot: first choice, else second choice.

    strict: refuse when a slot has no free seat (someone registering now can pick
    another workshop); when promoting from the waiting list the slot stays open instead.
    """
    capacities = {w.id: w.capacity for w in event.workshops}
    titles = {w.id: w.title for w in event.workshops}
    by_slot: dict[int, list[WorkshopChoice]] = {}
    for choice in registration.workshop_choices:
        choice.is_assigned = False
        by_slot.setdefault(choice.slot, []).append(choice)
    db.session.flush()
    taken = workshop_seats_taken(event)
    for slot, choices in sorted(by_slot.items()):
        for choice in sorted(choices, key=lambda c: c.priority):
            capacity = capacities[choice.workshop_id]
            if capacity is None or taken.get(choice.workshop_id, 0) < capacity:
                choice.is_assigned = True
                taken[choice.workshop_id] = taken.get(choice.workshop_id, 0) + 1
                break
        else:
            if strict:
                full = ", ".join(f"„{titles[c.workshop_id]}“" for c in choices)
                raise RegistrationRefused(
                    f"Der Workshop {full} ist leider ausgebucht. Bitte wählen Sie einen anderen.",
                    field=f"slot_{slot}",
                )
    db.session.flush()


def _place(event: Event, registration: Registration, now: datetime) -> None:
    """Confirm the registration if a place is free, else put it on the waiting list."""
    free = free_places(event, now)
    waiting_ahead = _first_waiting(event) is not None
    if free is None or (free > 0 and not waiting_ahead):
        registration.state = RegistrationState.CONFIRMED
        registration.confirmed_dt = now
        _assign_workshops(event, registration, strict=True)
    else:
        registration.state = RegistrationState.WAITING
    db.session.flush()


def register(event_id: int, applicant: Applicant, picks: Picks | None = None, now=None):
    """Register a member (placed at once) or a guest (placed after confirming the address)."""
    now = now or utcnow()
    event = lock_event(event_id)
    check_registration_open(event, now)
    check_audience(event, applicant.member)
    chosen = validate_picks(event, picks or {})
    _release_expired_offers(event, now)

    registration = _existing_registration(event, applicant)
    if registration is not None and registration.state != RegistrationState.CANCELLED:
        if registration.state == RegistrationState.UNCONFIRMED:
            notifications.guest_confirmation(registration)  # send the link again
            return registration
        raise RegistrationRefused("Sie sind für diese Veranstaltung bereits angemeldet.")
    if registration is None:
        registration = Registration(event=event, email=applicant.email.strip().lower())
        db.session.add(registration)
    registration.member_id = applicant.member.id if applicant.member else None
    registration.first_name = applicant.first_name
    registration.last_name = applicant.last_name
    registration.group_id = applicant.group_id
    registration.employer_name = applicant.employer_name
    registration.school_name = applicant.school_name
    registration.answers = applicant.answers
    registration.token_nonce = secrets.token_hex(8)
    registration.cancelled_dt = None
    registration.created_dt = now  # the waiting list is ordered by this
    registration.state = RegistrationState.UNCONFIRMED
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise RegistrationRefused("Sie sind für diese Veranstaltung bereits angemeldet.") from exc
    _set_choices(registration, chosen)

    if applicant.member is None:
        notifications.guest_confirmation(registration)
        return registration
    _place(event, registration, now)
    notifications.registration_placed(registration)
    return registration


def confirm_guest(registration: Registration, now=None) -> Registration:
    """The guest clicked the confirmation button: hold a place (or a waiting-list spot)."""
    now = now or utcnow()
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.state != RegistrationState.UNCONFIRMED:
        return registration  # confirming twice changes nothing
    check_registration_open(event, now)
    _release_expired_offers(event, now)
    try:
        _place(event, registration, now)
    except RegistrationRefused:
        # The chosen workshop filled up meanwhile: keep the place, leave the slot open.
        registration.state = RegistrationState.CONFIRMED
        registration.confirmed_dt = now
        _assign_workshops(event, registration, strict=False)
    notifications.registration_placed(registration)
    return registration


def change_workshops(registration: Registration, picks: Picks, now=None) -> Registration:
    now = now or utcnow()
    event = lock_event(registration.event_id)
    check_cancellation_allowed(event, now)
    if registration.state not in ACTIVE_STATES + (RegistrationState.UNCONFIRMED,):
        raise RegistrationRefused("Diese Anmeldung ist nicht mehr aktiv.")
    chosen = validate_picks(event, picks)
    _set_choices(registration, chosen)
    if registration.state == RegistrationState.CONFIRMED:
        _assign_workshops(event, registration, strict=True)
        notifications.registration_changed(registration)
    return registration


def cancel_registration(registration: Registration, now=None, by_office: bool = False):
    """Cancel (or leave the waiting list); the freed place goes to the next in line."""
    now = now or utcnow()
    event = lock_event(registration.event_id)
    if not by_office:
        check_cancellation_allowed(event, now)
    if registration.state == RegistrationState.CANCELLED:
        return registration
    had_place = registration.state in (RegistrationState.CONFIRMED, RegistrationState.OFFERED)
    registration.state = RegistrationState.CANCELLED
    registration.cancelled_dt = now
    registration.offer_expires_dt = None
    for choice in registration.workshop_choices:
        choice.is_assigned = False
    db.session.flush()
    notifications.registration_cancelled(registration, by_office=by_office)
    if had_place:
        promote_from_waitlist(event, now)
    return registration


def _first_waiting(event: Event) -> Registration | None:
    return db.session.execute(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.state == RegistrationState.WAITING)
        .order_by(Registration.created_dt, Registration.id)
        .limit(1)
    ).scalar_one_or_none()


def promote_from_waitlist(event: Event, now=None) -> list[Registration]:
    """Fill free places from the waiting list, in order: confirm, or offer for a time."""
    now = now or utcnow()
    promoted = []
    while True:
        free = free_places(event, now)
        if free is not None and free <= 0:
            break
        registration = _first_waiting(event)
        if registration is None:
            break
        if event.waitlist_mode == WaitlistMode.OFFER:
            registration.state = RegistrationState.OFFERED
            registration.offer_expires_dt = now + timedelta(hours=event.offer_hours)
            db.session.flush()
            notifications.place_offered(registration)
        else:
            registration.state = RegistrationState.CONFIRMED
            registration.confirmed_dt = now
            _assign_workshops(event, registration, strict=False)
            notifications.promoted(registration)
        promoted.append(registration)
    return promoted


def accept_offer(registration: Registration, now=None) -> Registration:
    now = now or utcnow()
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.state == RegistrationState.CONFIRMED:
        return registration
    if registration.state != RegistrationState.OFFERED or registration.offer_expires_dt <= now:
        raise RegistrationRefused("Dieses Angebot ist leider abgelaufen.")
    registration.state = RegistrationState.CONFIRMED
    registration.confirmed_dt = now
    registration.offer_expires_dt = None
    _assign_workshops(event, registration, strict=False)
    notifications.registration_placed(registration)
    return registration


def _release_expired_offers(event: Event, now: datetime) -> list[Registration]:
    """End offers whose time ran out and pass each place on at once: whichever verb finds
    them first (a registration, the periodic job) must not leave the place unused."""
    expired = (
        db.session.execute(
            select(Registration).where(
                Registration.event_id == event.id,
                Registration.state == RegistrationState.OFFERED,
                Registration.offer_expires_dt <= now,
            )
        )
        .scalars()
        .all()
    )
    for registration in expired:
        registration.state = RegistrationState.CANCELLED
        registration.cancelled_dt = now
        registration.offer_expires_dt = None
        notifications.offer_expired(registration)
    db.session.flush()
    if expired:
        promote_from_waitlist(event, now)
    return expired


def expire_offers(now=None) -> int:
    """Pass expired offers on to the next in line, for every event. Safe to run often."""
    now = now or utcnow()
    event_ids = (
        db.session.execute(
            select(Registration.event_id)
            .where(
                Registration.state == RegistrationState.OFFERED,
                Registration.offer_expires_dt <= now,
            )
            .distinct()
        )
        .scalars()
        .all()
    )
    count = 0
    for event_id in event_ids:
        event = lock_event(event_id)
        count += len(_release_expired_offers(event, now))
    return count
