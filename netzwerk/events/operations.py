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

from sqlalchemy import bindparam, case, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from netzwerk.db import db, utcnow
from netzwerk.events import notifications
from netzwerk.events.models import (
    Event,
    Registration,
    RegistrationState,
    WaitlistMode,
    Workshop,
    WorkshopChoice,
    event_target_groups,
)
from netzwerk.events.rules import (
    RegistrationRefused,
    check_audience,
    check_cancellation_allowed,
    check_registration_open,
)
from netzwerk.members.models import Employer, Member, ProfessionalGroup, School, member_schools

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
        employer_name, school_names = _workplace(member)
        return cls(
            email=member.email,
            first_name=member.first_name,
            last_name=member.last_name,
            member=member,
            group_id=member.group_id,
            employer_name=employer_name,
            school_name=", ".join(school_names),
            answers=answers or {},
        )


_WORKPLACE = (
    select(Employer.name, School.name)
    .select_from(Member)
    .outerjoin(Employer, Employer.id == Member.employer_id)
    .outerjoin(member_schools, member_schools.c.member_id == Member.id)
    .outerjoin(School, School.id == member_schools.c.school_id)
    .where(Member.id == bindparam("member_id"))
    .order_by(School.name)
)


def _workplace(member: Member) -> tuple[str, list[str]]:
    """The member's Träger and schools by name, in one statement instead of two lazy loads."""
    rows = db.session.execute(_WORKPLACE, {"member_id": member.id}).all()
    employer_name = rows[0][0] if rows and rows[0][0] else ""
    return employer_name, [school for _, school in rows if school]


# Workshop picks: slot -> workshop ids in order of preference (first, optional second choice).
Picks = dict[int, list[int]]


def lock_event(event_id: int) -> Event:
    """Load the event and hold its row lock until the transaction ends."""
    event = find_and_lock_event(event_id)
    if event is None:
        raise RegistrationRefused("Diese Veranstaltung gibt es nicht (mehr).")
    return event


_LOCK_EVENT = select(Event).where(Event.id == bindparam("event_id")).with_for_update()


def find_and_lock_event(event_id: int) -> Event | None:
    """The event (None if there is none), locked until the transaction ends. Locking it
    again in the same transaction costs no statement: nobody else can have changed the row
    since."""
    if event_id in _locked_event_ids():
        event = db.session.get(Event, event_id)
        if event is not None:
            return event
    event = db.session.execute(
        _LOCK_EVENT, {"event_id": event_id}, execution_options={"populate_existing": True}
    ).scalar_one_or_none()
    if event is not None:
        _locked_event_ids().add(event_id)
    return event


# Prebuilt: two plain statements cost about a third of what selectinload spends building
# and running the same two queries (measured on the registration path).
_WORKSHOPS = (
    select(Workshop)
    .where(Workshop.event_id == bindparam("event_id"))
    .order_by(Workshop.slot, Workshop.title)
)
_TARGET_GROUPS = (
    select(ProfessionalGroup)
    .join(event_target_groups, event_target_groups.c.group_id == ProfessionalGroup.id)
    .where(event_target_groups.c.event_id == bindparam("event_id"))
    .order_by(ProfessionalGroup.position)
)


def load_workshops_and_groups(event: Event) -> Event:
    """Load what the event page and a registration read of the event besides its row."""
    params = {"event_id": event.id}
    set_committed_value(event, "workshops", db.session.execute(_WORKSHOPS, params).scalars().all())
    groups = db.session.execute(_TARGET_GROUPS, params).scalars().all()
    set_committed_value(event, "target_groups", groups)
    return event


_LOCKS_KEY = "netzwerk_locked_events"


def _locked_event_ids() -> set[int]:
    # Kept per transaction: its commit or rollback ends every lock it held.
    session = db.session()
    transaction = session.get_transaction()
    held = session.info.get(_LOCKS_KEY)
    if held is None or held[0] is not transaction:
        held = (transaction, set())
        session.info[_LOCKS_KEY] = held
    return held[1] if transaction is not None else set()


@dataclass(frozen=True)
class PlaceCounts:
    taken: int  # confirmed, or offered and the offer still runs
    waiting: int
    expired_offers: int


def _place_counts_statement():
    state, expires = Registration.state, Registration.offer_expires_dt
    now = bindparam("now", type_=Registration.offer_expires_dt.type)
    offered = state == RegistrationState.OFFERED
    taken = (state == RegistrationState.CONFIRMED) | (offered & (expires > now))
    return select(
        func.count(case((taken, 1))),
        func.count(case((state == RegistrationState.WAITING, 1))),
        func.count(case((offered & (expires <= now), 1))),
    ).where(Registration.event_id == bindparam("event_id"))


_PLACE_COUNTS = _place_counts_statement()


def place_counts(event: Event, now: datetime) -> PlaceCounts:
    """What a registration decides on, counted in one statement."""
    row = db.session.execute(_PLACE_COUNTS, {"event_id": event.id, "now": now}).one()
    return PlaceCounts(*row)


def places_taken(event: Event, now: datetime) -> int:
    return place_counts(event, now).taken


def free_places(event: Event, now: datetime) -> int | None:
    """None means no limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - places_taken(event, now), 0)


def _free_from(event: Event, counts: PlaceCounts) -> int | None:
    return None if event.capacity is None else max(event.capacity - counts.taken, 0)


def workshop_seats_taken(event: Event) -> dict[int, int]:
    if _has_no_workshops(event):
        return {}
    rows = db.session.execute(
        select(WorkshopChoice.workshop_id, func.count())
        .join(Workshop, Workshop.id == WorkshopChoice.workshop_id)
        .where(Workshop.event_id == event.id, WorkshopChoice.is_assigned)
        .group_by(WorkshopChoice.workshop_id)
    ).all()
    return dict(rows)


def _has_no_workshops(event: Event) -> bool:
    # Known without a statement only when the workshops were loaded with the event.
    loaded = inspect(event).attrs.workshops.loaded_value
    return isinstance(loaded, list) and not loaded


# Built once: on the registration path, building a statement costs as much as running it.
_EXISTING_REGISTRATION = select(Registration).where(
    Registration.event_id == bindparam("event_id"),
    (Registration.email == bindparam("email")) | (Registration.member_id == bindparam("member_id")),
)


def _existing_registration(event: Event, applicant: Applicant) -> Registration | None:
    return db.session.execute(
        _EXISTING_REGISTRATION,
        {
            "event_id": event.id,
            "email": applicant.email.strip().lower(),
            # NULL matches nothing: a guest is found by the address alone.
            "member_id": applicant.member.id if applicant.member is not None else None,
        },
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
    _add_choices(registration, chosen)
    db.session.flush()


def _add_choices(registration: Registration, chosen: list[tuple[int, int, int]]) -> None:
    if not chosen and not inspect(registration).has_identity:
        # Known to be empty: the confirmation mail lists the choices and would load them.
        set_committed_value(registration, "workshop_choices", [])
    for slot, priority, workshop_id in chosen:
        registration.workshop_choices.append(
            WorkshopChoice(workshop_id=workshop_id, slot=slot, priority=priority)
        )


def _assign_workshops(event: Event, registration: Registration, *, strict: bool) -> None:
    """Give a confirmed registration a seat per slot: first choice, else second choice.

    strict: refuse when a slot has no free seat (someone registering now can pick
    another workshop); when promoting from the waiting list the slot stays open instead.
    """
    if not registration.workshop_choices:
        return
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
    _set_placement(registration, place_counts(event, now), event, now)
    if registration.state == RegistrationState.CONFIRMED:
        _assign_workshops(event, registration, strict=True)
    db.session.flush()


def _set_placement(registration: Registration, counts: PlaceCounts, event: Event, now) -> None:
    # Nobody jumps the waiting list: a free place goes to the waiting first.
    free = _free_from(event, counts)
    if free is None or (free > 0 and not counts.waiting):
        registration.state = RegistrationState.CONFIRMED
        registration.confirmed_dt = now
    else:
        registration.state = RegistrationState.WAITING


def register(event_id: int, applicant: Applicant, picks: Picks | None = None, now=None):
    """Register a member (placed at once) or a guest (placed after confirming the address)."""
    now = now or utcnow()
    event = lock_event(event_id)
    check_registration_open(event, now)
    check_audience(event, applicant.member)
    chosen = validate_picks(event, picks or {})
    counts = place_counts(event, now)
    if counts.expired_offers:
        _release_expired_offers(event, now)
        counts = place_counts(event, now)

    registration = _existing_registration(event, applicant)
    if registration is not None and registration.state != RegistrationState.CANCELLED:
        if registration.state == RegistrationState.UNCONFIRMED:
            notifications.guest_confirmation(registration)  # send the link again
            return registration
        raise RegistrationRefused("Sie sind für diese Veranstaltung bereits angemeldet.")
    is_new = registration is None
    if is_new:
        # Filled in completely before its one INSERT: no UPDATE, no reloading its choices.
        registration = Registration(event=event, email=applicant.email.strip().lower())
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
    if applicant.member is not None:
        _set_placement(registration, counts, event, now)
    if is_new:
        _add_choices(registration, chosen)
        db.session.add(registration)
    try:
        # No savepoint: the event lock already keeps a second registration of this person
        # out; the unique constraint is the last line of defence, and after a refusal the
        # caller rolls the whole transaction back anyway.
        db.session.flush()
    except IntegrityError as exc:
        raise RegistrationRefused("Sie sind für diese Veranstaltung bereits angemeldet.") from exc
    if not is_new:
        _set_choices(registration, chosen)

    if applicant.member is None:
        notifications.guest_confirmation(registration)
        return registration
    if chosen and registration.state == RegistrationState.CONFIRMED:
        _assign_workshops(event, registration, strict=True)
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
