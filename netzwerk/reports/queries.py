"""Reads for the coordinator's dashboard and the yearly report.

Every figure is counted by the database (COUNT, SUM, GROUP BY): no rows are loaded to be
counted in Python and no query runs per event, group or circle, so both pages cost the
same few statements for 40 schools or 1,000. The one thing SQL cannot do is expand a
circle's schedule (an RRULE): the circles and their meeting rows are loaded in two
statements and dateutil counts the meetings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import aliased, load_only

from netzwerk.circles.models import Circle, CircleMembership, MembershipState, Minutes
from netzwerk.circles.queries import stale_circles
from netzwerk.circles.schedule import load_meetings, occurrences
from netzwerk.db import db
from netzwerk.events.models import (
    Event,
    EventKind,
    EventState,
    Registration,
    RegistrationState,
    Workshop,
)
from netzwerk.mailing.models import (
    EmailSuppression,
    ListMessage,
    ListMessageState,
    MailingList,
    OutboxMessage,
    OutboxState,
)
from netzwerk.members.models import (
    District,
    Employer,
    EmployerKind,
    Member,
    ProfessionalGroup,
    School,
    SchoolForm,
    member_schools,
)
from netzwerk.newcomers.models import Application, ApplicationState
from netzwerk.privacy.models import ErasureRequest, ErasureRequestState, PurgeRun
from netzwerk.topics.models import TopicState, TopicSuggestion

UPCOMING_SHOWN = 5
FAILED_MESSAGES_SHOWN = 5
# Mail still queued this long after it was due: the delivery worker is probably not running.
MAIL_STUCK_AFTER = timedelta(hours=1)


def aware(value) -> datetime | None:
    """An aggregate's datetime as aware UTC: SQLite returns text or naive UTC values."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _count_where(condition, column=None):
    """COUNT of the rows meeting condition: other rows give NULL, which COUNT skips."""
    return func.count(case((condition, column if column is not None else literal(1))))


# --- the dashboard -----------------------------------------------------------------------


@dataclass(frozen=True)
class EventFill:
    id: int
    title: str
    kind: EventKind
    state: EventState
    start_dt: datetime
    capacity: int | None
    confirmed: int
    offered: int
    waiting: int

    @property
    def free(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.confirmed - self.offered, 0)

    @property
    def is_draft(self) -> bool:
        return self.state == EventState.DRAFT


def upcoming_events(now: datetime, limit: int = UPCOMING_SHOWN) -> list[EventFill]:
    """The next events not yet over (drafts too, cancelled ones not), with their counts."""
    rows = db.session.execute(
        select(
            Event.id,
            Event.title,
            Event.kind,
            Event.state,
            Event.start_dt,
            Event.capacity,
            _count_where(Registration.state == RegistrationState.CONFIRMED, Registration.id),
            _count_where(Registration.state == RegistrationState.OFFERED, Registration.id),
            _count_where(Registration.state == RegistrationState.WAITING, Registration.id),
        )
        .outerjoin(Registration, Registration.event_id == Event.id)
        .where(Event.end_dt >= now, Event.state != EventState.CANCELLED)
        .group_by(Event.id)
        .order_by(Event.start_dt, Event.id)
        .limit(limit)
    ).all()
    return [EventFill(*row) for row in rows]


@dataclass(frozen=True)
class NewRegistrations:
    event_id: int
    title: str
    start_dt: datetime
    registered: int  # new and still holding or waiting for a place
    waiting: int  # of these, on the waiting list
    cancelled: int  # cancellations since then, of registrations old or new


ACTIVE_STATES = (RegistrationState.CONFIRMED, RegistrationState.OFFERED, RegistrationState.WAITING)


def registrations_since(since: datetime) -> list[NewRegistrations]:
    """Per event: registrations made and cancellations since `since`, the busiest first."""
    is_new = and_(Registration.created_dt >= since, Registration.state.in_(ACTIVE_STATES))
    registered = _count_where(is_new, Registration.id)
    rows = db.session.execute(
        select(
            Event.id,
            Event.title,
            Event.start_dt,
            registered,
            _count_where(
                and_(is_new, Registration.state == RegistrationState.WAITING), Registration.id
            ),
            _count_where(Registration.cancelled_dt >= since, Registration.id),
        )
        .join(Registration, Registration.event_id == Event.id)
        .where(is_new | (Registration.cancelled_dt >= since))
        .group_by(Event.id)
        .order_by(registered.desc(), Event.start_dt, Event.id)
    ).all()
    return [NewRegistrations(*row) for row in rows]


@dataclass(frozen=True)
class Counters:
    """The dashboard's single numbers, read in one statement."""

    applications_waiting: int
    oldest_application_dt: datetime | None
    topics_submitted: int
    topics_in_review: int
    mail_failed: int
    mail_failed_direct: int  # not from a list message: invitations, registrations, ...
    mail_stuck: int
    addresses_suspended: int
    addresses_bouncing: int
    erasure_requests_open: int
    last_purge_dt: datetime | None


def counters(now: datetime) -> Counters:
    def scalar(query):
        return query.scalar_subquery()

    not_merged = TopicSuggestion.merged_into_id.is_(None)
    failed = OutboxMessage.state == OutboxState.FAILED
    row = db.session.execute(
        select(
            scalar(
                select(func.count(Application.id)).where(
                    Application.state == ApplicationState.CONFIRMED
                )
            ),
            scalar(
                select(func.min(Application.confirmed_dt)).where(
                    Application.state == ApplicationState.CONFIRMED
                )
            ),
            scalar(
                select(func.count(TopicSuggestion.id)).where(
                    TopicSuggestion.state == TopicState.SUBMITTED, not_merged
                )
            ),
            scalar(
                select(func.count(TopicSuggestion.id)).where(
                    TopicSuggestion.state == TopicState.IN_REVIEW, not_merged
                )
            ),
            scalar(select(func.count(OutboxMessage.id)).where(failed)),
            scalar(
                select(func.count(OutboxMessage.id)).where(
                    failed, OutboxMessage.list_message_id.is_(None)
                )
            ),
            scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.state == OutboxState.QUEUED,
                    OutboxMessage.next_attempt_dt < now - MAIL_STUCK_AFTER,
                )
            ),
            scalar(
                select(func.count(EmailSuppression.id)).where(
                    EmailSuppression.suspended_dt.is_not(None)
                )
            ),
            scalar(
                select(func.count(EmailSuppression.id)).where(
                    EmailSuppression.suspended_dt.is_(None), EmailSuppression.bounce_count > 0
                )
            ),
            scalar(
                select(func.count(ErasureRequest.id)).where(
                    ErasureRequest.state == ErasureRequestState.OPEN
                )
            ),
            scalar(select(func.max(PurgeRun.ran_dt))),
        )
    ).one()
    values = list(row)
    values[1], values[10] = aware(values[1]), aware(values[10])
    return Counters(*values)


@dataclass(frozen=True)
class FailedListMessage:
    id: int
    subject: str
    list_name: str
    failed: int


def failed_list_messages(limit: int = FAILED_MESSAGES_SHOWN) -> list[FailedListMessage]:
    """List messages with copies that could not be delivered, the newest first."""
    rows = db.session.execute(
        select(ListMessage.id, ListMessage.subject, MailingList.name, func.count(OutboxMessage.id))
        .join(OutboxMessage, OutboxMessage.list_message_id == ListMessage.id)
        .join(MailingList, MailingList.id == ListMessage.list_id)
        .where(OutboxMessage.state == OutboxState.FAILED)
        .group_by(ListMessage.id, ListMessage.subject, MailingList.name)
        .order_by(func.max(OutboxMessage.created_dt).desc(), ListMessage.id.desc())
        .limit(limit)
    ).all()
    return [FailedListMessage(*row) for row in rows]


def failed_mail_query():
    """Every undeliverable mail still in the outbox, the newest first (for a paginated list)."""
    return (
        select(OutboxMessage)
        .options(
            load_only(
                OutboxMessage.to_email,
                OutboxMessage.to_name,
                OutboxMessage.subject,
                OutboxMessage.list_message_id,
                OutboxMessage.last_error,
                OutboxMessage.created_dt,
            )
        )
        .where(OutboxMessage.state == OutboxState.FAILED)
        .order_by(OutboxMessage.created_dt.desc(), OutboxMessage.id.desc())
    )


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    since: datetime
    events: list[EventFill]
    new_registrations: list[NewRegistrations]
    counters: Counters
    failed_messages: list[FailedListMessage]
    stale_circles: list[tuple[int, str]]
    stale_days: int

    @property
    def registered_since(self) -> int:
        return sum(item.registered for item in self.new_registrations)

    @property
    def cancelled_since(self) -> int:
        return sum(item.cancelled for item in self.new_registrations)


def dashboard(now: datetime, since: datetime, stale_after: timedelta) -> Dashboard:
    return Dashboard(
        now=now,
        since=since,
        events=upcoming_events(now),
        new_registrations=registrations_since(since),
        counters=counters(now),
        failed_messages=failed_list_messages(),
        stale_circles=stale_circles(now, stale_after),
        stale_days=stale_after.days,
    )


# --- the yearly report: members and schools (the present state) --------------------------


def professional_groups() -> list[tuple[int, str]]:
    """(id, name) of every Berufsgruppe in list order."""
    return list(
        db.session.execute(
            select(ProfessionalGroup.id, ProfessionalGroup.name).order_by(
                ProfessionalGroup.position, ProfessionalGroup.name
            )
        ).all()
    )


def active_members_by_group() -> dict[int | None, int]:
    """{group id (None: none): active members}."""
    return dict(
        db.session.execute(
            select(Member.group_id, func.count(Member.id))
            .where(Member.is_active)
            .group_by(Member.group_id)
        ).all()
    )


def active_members_by_employer_kind() -> dict[EmployerKind | None, int]:
    """{Träger type (None: no Träger): active members}."""
    rows = db.session.execute(
        select(Employer.kind, func.count(Member.id))
        .select_from(Member)
        .outerjoin(Employer, Employer.id == Member.employer_id)
        .where(Member.is_active)
        .group_by(Employer.kind)
    ).all()
    return {EmployerKind(kind) if kind is not None else None: n for kind, n in rows}


def _covered_schools():
    """The ids of the schools where at least one active member works."""
    return (
        select(member_schools.c.school_id)
        .join(Member, Member.id == member_schools.c.member_id)
        .where(Member.is_active)
        .distinct()
        .subquery()
    )


def schools_by_form() -> dict[SchoolForm, tuple[int, int]]:
    """{Schulform: (schools with an active member, schools)}, only forms with schools."""
    covered = _covered_schools()
    rows = db.session.execute(
        select(School.school_form, func.count(covered.c.school_id), func.count(School.id))
        .outerjoin(covered, covered.c.school_id == School.id)
        .group_by(School.school_form)
    ).all()
    return {SchoolForm(form): (with_members, total) for form, with_members, total in rows}


def schools_by_district() -> dict[str | None, tuple[int, int]]:
    """{Sozialraum name (None: none): (schools with an active member, schools)}."""
    covered = _covered_schools()
    rows = db.session.execute(
        select(District.name, func.count(covered.c.school_id), func.count(School.id))
        .select_from(School)
        .outerjoin(District, District.id == School.district_id)
        .outerjoin(covered, covered.c.school_id == School.id)
        .group_by(District.name)
    ).all()
    return {name: (with_members, total) for name, with_members, total in rows}


# --- the yearly report: what happened in the period --------------------------------------


def _held_in(start: datetime, end: datetime):
    """Published events that began in [start, end); drafts and cancelled ones do not count."""
    return and_(Event.start_dt >= start, Event.start_dt < end, Event.state == EventState.PUBLISHED)


CONFIRMED = Registration.state == RegistrationState.CONFIRMED
ATTENDED = and_(CONFIRMED, Registration.attended_dt.is_not(None))


@dataclass(frozen=True)
class EventFigures:
    kind: EventKind | None  # None: the total over all kinds
    events: int
    registrations: int  # confirmed registrations
    attended: int
    # Only events that are over and used the check-in (someone was marked as present)
    # tell who did not come; the others would count everyone as absent.
    recorded_registrations: int
    recorded_attended: int

    @property
    def no_shows(self) -> int:
        return self.recorded_registrations - self.recorded_attended

    @property
    def no_show_rate(self) -> float | None:
        if not self.recorded_registrations:
            return None
        return 100 * self.no_shows / self.recorded_registrations


def events_by_kind(start: datetime, end: datetime, now: datetime) -> dict[EventKind, EventFigures]:
    checked_in = select(Registration.event_id).where(ATTENDED).distinct()
    recorded = and_(Event.end_dt < now, Event.id.in_(checked_in))
    rows = db.session.execute(
        select(
            Event.kind,
            func.count(func.distinct(Event.id)),
            _count_where(CONFIRMED, Registration.id),
            _count_where(ATTENDED, Registration.id),
            _count_where(and_(CONFIRMED, recorded), Registration.id),
            _count_where(and_(ATTENDED, recorded), Registration.id),
        )
        .outerjoin(Registration, Registration.event_id == Event.id)
        .where(_held_in(start, end))
        .group_by(Event.kind)
    ).all()
    return {EventKind(row[0]): EventFigures(EventKind(row[0]), *row[1:]) for row in rows}


def participants_by_group(start: datetime, end: datetime) -> dict[int | None, tuple[int, int]]:
    """{group id (None: none, e.g. guests): (confirmed registrations, attended)}."""
    rows = db.session.execute(
        select(
            Registration.group_id,
            _count_where(CONFIRMED, Registration.id),
            _count_where(ATTENDED, Registration.id),
        )
        .join(Event, Event.id == Registration.event_id)
        .where(_held_in(start, end), CONFIRMED)
        .group_by(Registration.group_id)
    ).all()
    return {group_id: (registered, attended) for group_id, registered, attended in rows}


@dataclass(frozen=True)
class CircleFigures:
    id: int
    name: str
    meetings: int  # held by the schedule and its changes (skipped ones not)
    minutes: int  # minutes written for meetings in the period
    members: int  # active memberships today


def circles_in_period(start: datetime, end: datetime, now: datetime) -> list[CircleFigures]:
    """Circles founded before the period ended, with their meetings held in it."""
    members = (
        select(func.count(CircleMembership.id))
        .where(
            CircleMembership.circle_id == Circle.id,
            CircleMembership.state == MembershipState.ACTIVE,
        )
        .scalar_subquery()
    )
    minutes = (
        select(func.count(Minutes.id))
        .where(
            Minutes.circle_id == Circle.id,
            Minutes.occurrence_dt >= start,
            Minutes.occurrence_dt < end,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Circle, minutes, members)
        .where(Circle.created_dt < end)
        .order_by(func.lower(Circle.name))
    ).all()
    meetings = load_meetings(circle.id for circle, _, _ in rows)
    until = min(end, now)  # meetings still ahead have not been held
    return [
        CircleFigures(
            circle.id,
            circle.name,
            len(occurrences(circle, start, until, meetings=meetings[circle.id]))
            if start < until
            else 0,
            minutes_count,
            member_count,
        )
        for circle, minutes_count, member_count in rows
    ]


@dataclass(frozen=True)
class TopicFigures:
    by_state: dict[TopicState, int]  # received in the period and not merged, by state now
    merged: int
    at_events: int  # suggestions that became a workshop of an event held in the period

    @property
    def received(self) -> int:
        return sum(self.by_state.values()) + self.merged

    @property
    def realised(self) -> int:
        return self.by_state.get(TopicState.DONE, 0)


TOPIC_STATES = (
    TopicState.SUBMITTED,
    TopicState.IN_REVIEW,
    TopicState.ACCEPTED,
    TopicState.SCHEDULED,
    TopicState.DONE,
    TopicState.REJECTED,
)


def topics_in_period(start: datetime, end: datetime) -> TopicFigures:
    """Suggestions received (confirmed ones) in the period, by their state today."""
    merged = TopicSuggestion.merged_into_id.is_not(None)
    as_workshop = aliased(TopicSuggestion)
    at_events = (
        select(func.count(as_workshop.id))
        .join(Workshop, Workshop.id == as_workshop.workshop_id)
        .join(Event, Event.id == Workshop.event_id)
        .where(_held_in(start, end))
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            *(_count_where(and_(TopicSuggestion.state == s, ~merged)) for s in TOPIC_STATES),
            _count_where(merged),
            at_events,
        ).where(
            TopicSuggestion.created_dt >= start,
            TopicSuggestion.created_dt < end,
            TopicSuggestion.state != TopicState.UNCONFIRMED,
        )
    ).one()
    return TopicFigures(dict(zip(TOPIC_STATES, row[:-2], strict=True)), row[-2], row[-1])


@dataclass(frozen=True)
class ListFigures:
    name: str
    messages: int
    recipients: int


def list_messages_in_period(start: datetime, end: datetime) -> list[ListFigures]:
    """Messages sent to each list in the period and the copies they went out in."""
    rows = db.session.execute(
        select(
            MailingList.name,
            func.count(ListMessage.id),
            func.coalesce(func.sum(ListMessage.recipient_count), 0),
        )
        .join(MailingList, MailingList.id == ListMessage.list_id)
        .where(
            ListMessage.state == ListMessageState.SENT,
            ListMessage.sent_dt >= start,
            ListMessage.sent_dt < end,
        )
        .group_by(MailingList.id, MailingList.name)
        .order_by(func.lower(MailingList.name))
    ).all()
    return [ListFigures(name, messages, int(recipients)) for name, messages, recipients in rows]
