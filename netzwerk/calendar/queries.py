"""Which records each calendar feed shows, and one small query per feed that says whether
it changed (its version), so that a feed is answered 304 or from cache before it is built.

A feed shows the last months (ICAL_PAST, default 183 days) and everything ahead.
Cancelled events stay for ICAL_CANCELLED_GRACE (default 30 days) after the cancellation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import contains_eager, load_only, selectinload

from netzwerk.circles.models import Circle, CircleMeeting, CircleMembership, MembershipState
from netzwerk.db import db
from netzwerk.events.models import (
    Event,
    EventKind,
    EventState,
    Registration,
    RegistrationState,
    Workshop,
    WorkshopChoice,
    event_target_groups,
)
from netzwerk.members.models import ProfessionalGroup

DEFAULT_PAST = timedelta(days=183)
DEFAULT_GRACE = timedelta(days=30)
# Last-Modified of a feed that never had anything in it.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

# The registrations a member's personal feed shows. Waiting and offered places too:
# whoever waits for a place keeps the date free, and sees at once when the place comes.
SHOWN_REGISTRATION_STATES = (
    RegistrationState.CONFIRMED,
    RegistrationState.OFFERED,
    RegistrationState.WAITING,
)
LISTED_STATES = (EventState.PUBLISHED, EventState.CANCELLED)


def _duration(name: str, default: timedelta) -> timedelta:
    value = current_app.config.get(name, default)
    # From the environment a number arrives: days.
    return value if isinstance(value, timedelta) else timedelta(days=float(value))


@dataclass(frozen=True)
class Window:
    """The stretch of time every feed covers, seen at one moment."""

    now: datetime
    since: datetime  # events that ended before are left out
    past: timedelta
    grace: timedelta

    @property
    def grace_since(self) -> datetime:
        return self.now - self.grace

    @classmethod
    def at(cls, now: datetime) -> Window:
        past = _duration("ICAL_PAST", DEFAULT_PAST)
        grace = _duration("ICAL_CANCELLED_GRACE", DEFAULT_GRACE)
        return cls(now=now, since=now - past, past=past, grace=grace)


@dataclass(frozen=True)
class Version:
    """What a feed's content depends on, found in one query; equal versions, equal bytes."""

    key: tuple
    last_modified: datetime | None  # None: the feed cannot tell by date (planning feed)


def _newest(*values: datetime | None) -> datetime:
    return max((v for v in values if v is not None), default=EPOCH)


def _plus(value: datetime | None, delta: timedelta) -> datetime | None:
    return None if value is None else value + delta


def _one_row(*parts):
    """Several one-row aggregates side by side in a single statement."""
    subqueries = [part.subquery() for part in parts]
    query = select(*subqueries).select_from(subqueries[0])
    for subquery in subqueries[1:]:
        query = query.join(subquery, true())
    return db.session.execute(query).one()


def _group_names():
    """The Berufsgruppen's names, which the events' CATEGORIES carry: a renamed group is a
    changed feed although no event changed."""
    return select(func.aggregate_strings(ProfessionalGroup.name, "|")).scalar_subquery()


# --- public events: all, and per Berufsgruppe ------------------------------------------------

_cancel_moment = func.coalesce(Event.cancelled_dt, Event.updated_dt)


def _listed(window: Window):
    """Published, or cancelled within the grace period; not over for too long."""
    return and_(
        Event.end_dt >= window.since,
        or_(
            Event.state == EventState.PUBLISHED,
            and_(Event.state == EventState.CANCELLED, _cancel_moment >= window.grace_since),
        ),
    )


def for_group(group_id: int):
    """Events aimed at this Berufsgruppe, or at all of them (no target group set)."""
    targeted = select(event_target_groups.c.event_id)
    return or_(
        Event.id.in_(targeted.where(event_target_groups.c.group_id == group_id)),
        Event.id.not_in(targeted),
    )


def _public(window: Window, group_id: int | None):
    condition = and_(Event.is_public, _listed(window))
    return condition if group_id is None else and_(condition, for_group(group_id))


def _left_moments(window: Window, *, end_dt, state, cancel_moment):
    """When records last left the feed by ageing out or by the end of the grace period."""
    return (
        func.max(case((end_dt < window.since, end_dt))).label("aged_out"),
        func.max(
            case(
                (
                    and_(state == EventState.CANCELLED, cancel_moment < window.grace_since),
                    cancel_moment,
                )
            )
        ).label("grace_over"),
    )


def public_version(window: Window, group_id: int | None = None) -> Version:
    """Count, ids and newest change of the feed's events, and the newest change of any
    listed event (one may just have left the feed), in one aggregate query."""
    return _events_version(window, _public(window, group_id), LISTED_STATES)


def _events_version(window: Window, shown, states) -> Version:
    row = db.session.execute(
        select(
            func.count(case((shown, 1))),
            func.coalesce(func.sum(case((shown, Event.id))), 0),
            func.max(case((shown, Event.updated_dt))),
            func.max(Event.updated_dt),
            *_left_moments(
                window, end_dt=Event.end_dt, state=Event.state, cancel_moment=_cancel_moment
            ),
            _group_names(),
        ).where(Event.state.in_(states))
    ).one()
    count, id_sum, newest_shown, newest_listed, aged_out, grace_over, groups = row
    last_modified = _newest(
        newest_listed, _plus(aged_out, window.past), _plus(grace_over, window.grace)
    )
    return Version((count, id_sum, newest_shown, groups, last_modified), last_modified)


# What an event's VEVENT is made of; the rest (programme, questions, ...) stays unloaded.
COMPONENT_COLUMNS = (
    Event.title,
    Event.kind,
    Event.description,
    Event.start_dt,
    Event.end_dt,
    Event.venue,
    Event.address,
    Event.online_url,
    Event.state,
    Event.updated_dt,
    Event.ical_sequence,
)


@dataclass(slots=True)
class _Group:
    name: str


@dataclass(slots=True)
class ListedEvent:
    """What a feed's VEVENT is made of, with the names of an Event's attributes: a public
    feed of 3,000 events loads these from rows at half the cost of ORM objects."""

    id: int
    title: str
    kind: EventKind
    description: str
    start_dt: datetime
    end_dt: datetime
    venue: str
    address: str
    online_url: str
    state: EventState
    updated_dt: datetime
    ical_sequence: int
    target_groups: list = field(default_factory=list)


def public_events(window: Window, group_id: int | None = None) -> list[ListedEvent]:
    # Target groups joined, one row each, not loaded per batch of events: the statements
    # stay the same however many events the feed has; ordered as the relationship is.
    rows = db.session.execute(
        select(Event.id, *COMPONENT_COLUMNS, ProfessionalGroup.name.label("group_name"))
        .outerjoin(event_target_groups, event_target_groups.c.event_id == Event.id)
        .outerjoin(ProfessionalGroup, ProfessionalGroup.id == event_target_groups.c.group_id)
        .where(Event.state.in_(LISTED_STATES), _public(window, group_id))
        .order_by(Event.start_dt, Event.id, ProfessionalGroup.position)
    )
    events: list[ListedEvent] = []
    for *columns, group_name in rows:
        if not events or events[-1].id != columns[0]:
            events.append(ListedEvent(*columns))
        if group_name is not None:
            events[-1].target_groups.append(_Group(group_name))
    return events


# --- the coordinators' planning feed: drafts and members-only events too --------------------

PLANNED_STATES = (EventState.DRAFT, *LISTED_STATES)


def _planned(window: Window):
    return and_(
        Event.end_dt >= window.since,
        or_(
            Event.state.in_((EventState.DRAFT, EventState.PUBLISHED)),
            and_(Event.state == EventState.CANCELLED, _cancel_moment >= window.grace_since),
        ),
    )


def planning_version(window: Window) -> Version:
    return _events_version(window, _planned(window), PLANNED_STATES)


def planning_events(window: Window) -> list[Event]:
    return list(
        db.session.execute(
            select(Event)
            .where(Event.state.in_(PLANNED_STATES), _planned(window))
            .options(load_only(*COMPONENT_COLUMNS), selectinload(Event.target_groups))
            .order_by(Event.start_dt, Event.id)
        ).scalars()
    )


# --- a member's personal feed ------------------------------------------------------------------


def _registration_shown(window: Window):
    """Active registrations of listed events; after the event's cancellation also the
    registrations it cancelled, so that the member sees STATUS:CANCELLED for a while."""
    active = Registration.state.in_(SHOWN_REGISTRATION_STATES)
    return and_(
        Event.end_dt >= window.since,
        or_(
            and_(Event.state == EventState.PUBLISHED, active),
            and_(
                Event.state == EventState.CANCELLED,
                _cancel_moment >= window.grace_since,
                or_(active, Registration.cancelled_dt >= Event.cancelled_dt),
            ),
        ),
    )


def _active_circle_ids(member_id: int):
    return select(CircleMembership.circle_id).where(
        CircleMembership.member_id == member_id,
        CircleMembership.state == MembershipState.ACTIVE,
    )


def _meeting_aggregates(window: Window, circle_ids):
    one_off_end = case(
        (
            and_(CircleMeeting.recurrence_dt.is_(None), CircleMeeting.end_dt < window.since),
            CircleMeeting.end_dt,
        )
    )
    return select(
        func.count(CircleMeeting.id).label("meetings"),
        func.coalesce(func.sum(CircleMeeting.id), 0).label("meeting_ids"),
        func.max(CircleMeeting.updated_dt).label("meetings_changed"),
        func.max(one_off_end).label("one_off_aged_out"),
    ).where(CircleMeeting.circle_id.in_(circle_ids))


def personal_version(member_id: int, window: Window) -> Version:
    shown = _registration_shown(window)
    registrations = (
        select(
            func.count(case((shown, 1))).label("shown"),
            func.coalesce(func.sum(case((shown, Registration.id))), 0).label("ids"),
            func.max(case((shown, Registration.updated_dt))).label("registration_changed"),
            func.max(Registration.updated_dt).label("any_registration_changed"),
            func.max(Event.updated_dt).label("event_changed"),
            *_left_moments(
                window, end_dt=Event.end_dt, state=Event.state, cancel_moment=_cancel_moment
            ),
            _group_names().label("groups"),
        )
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.member_id == member_id, Event.state.in_(LISTED_STATES))
    )
    workshops = (
        select(
            func.count(Workshop.id).label("workshops"),
            func.coalesce(func.sum(Workshop.id), 0).label("workshop_ids"),
            func.max(Workshop.updated_dt).label("workshop_changed"),
        )
        .select_from(WorkshopChoice)
        .join(Registration, Registration.id == WorkshopChoice.registration_id)
        .join(Workshop, Workshop.id == WorkshopChoice.workshop_id)
        .where(Registration.member_id == member_id, WorkshopChoice.is_assigned)
    )
    circles = (
        select(
            func.count(Circle.id).label("circles"),
            func.coalesce(func.sum(Circle.id), 0).label("circle_ids"),
            func.max(Circle.updated_dt).label("circle_changed"),
            func.max(CircleMembership.updated_dt).label("membership_changed"),
        )
        .select_from(CircleMembership)
        .join(Circle, Circle.id == CircleMembership.circle_id)
        .where(
            CircleMembership.member_id == member_id,
            CircleMembership.state == MembershipState.ACTIVE,
        )
    )
    meetings = _meeting_aggregates(window, _active_circle_ids(member_id))
    row = _one_row(registrations, workshops, circles, meetings)._mapping
    last_modified = _newest(
        row["any_registration_changed"],
        row["event_changed"],
        row["workshop_changed"],
        row["circle_changed"],
        row["membership_changed"],
        row["meetings_changed"],
        _plus(row["aged_out"], window.past),
        _plus(row["grace_over"], window.grace),
        _plus(row["one_off_aged_out"], window.past),
    )
    return Version(tuple(row) + (last_modified,), last_modified)


def personal_registrations(member_id: int, window: Window) -> list[Registration]:
    """The registrations the personal feed shows, with events, groups and workshops."""
    return list(
        db.session.execute(
            select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Registration.member_id == member_id,
                Event.state.in_(LISTED_STATES),
                _registration_shown(window),
            )
            .options(
                contains_eager(Registration.event).selectinload(Event.target_groups),
                selectinload(Registration.workshop_choices).joinedload(WorkshopChoice.workshop),
            )
            .order_by(Event.start_dt, Event.id)
        )
        .unique()
        .scalars()
    )


def member_circles(member_id: int) -> list[Circle]:
    return list(
        db.session.execute(
            select(Circle).where(Circle.id.in_(_active_circle_ids(member_id))).order_by(Circle.name)
        ).scalars()
    )


# --- one quality circle ------------------------------------------------------------------------


@dataclass(frozen=True)
class CircleVersion(Version):
    name: str = ""
    is_open: bool = True


def circle_version(circle_id: int, window: Window) -> CircleVersion | None:
    """The circle's version, or None if there is no such circle."""
    meetings = _meeting_aggregates(window, [circle_id]).subquery()
    row = db.session.execute(
        select(Circle.name, Circle.is_open, Circle.updated_dt, Circle.ical_sequence, meetings)
        .select_from(Circle)
        .join(meetings, true())
        .where(Circle.id == circle_id)
    ).one_or_none()
    if row is None:
        return None
    last_modified = _newest(
        row.updated_dt, row.meetings_changed, _plus(row.one_off_aged_out, window.past)
    )
    return CircleVersion(
        tuple(row) + (last_modified,), last_modified, name=row.name, is_open=row.is_open
    )


def is_active_circle_member(circle_id: int, member_id: int) -> bool:
    return (
        db.session.execute(
            _active_circle_ids(member_id).where(CircleMembership.circle_id == circle_id)
        ).first()
        is not None
    )
