"""Reads for the circle pages: lists with counts, next meetings, answers, minutes search.

Every list is built from a fixed number of statements, whatever the number of circles:
counts are aggregated, meetings loaded for all circles at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from netzwerk.circles.models import (
    AttendanceAnswer,
    Circle,
    CircleMembership,
    CircleRole,
    MeetingResponse,
    MembershipState,
    Minutes,
)
from netzwerk.circles.schedule import Occurrence, load_meetings, next_meetings, occurrences
from netzwerk.db import db
from netzwerk.members.models import Member

MINUTES_PER_PAGE = 20
DEFAULT_STALE_DAYS = 90


def stale_after() -> timedelta:
    """How long a circle may go without minutes before the office is told to follow up."""
    return timedelta(days=current_app.config.get("CIRCLE_MINUTES_STALE_DAYS", DEFAULT_STALE_DAYS))


@dataclass
class CircleRow:
    """One circle in a list, with what the list shows about it."""

    circle: Circle
    members: int = 0
    moderators: list[Member] = field(default_factory=list)
    next_meeting: Occurrence | None = None
    my_state: MembershipState | None = None
    last_minutes_dt: datetime | None = None
    is_stale: bool = False


def all_circles() -> list[Circle]:
    return list(
        db.session.execute(
            select(Circle).options(joinedload(Circle.district)).order_by(func.lower(Circle.name))
        ).scalars()
    )


def member_counts(circle_ids: Iterable[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(CircleMembership.circle_id, func.count())
        .where(
            CircleMembership.circle_id.in_(list(circle_ids)),
            CircleMembership.state == MembershipState.ACTIVE,
        )
        .group_by(CircleMembership.circle_id)
    ).all()
    return dict(rows)


def moderators_by_circle(circle_ids: Iterable[int]) -> dict[int, list[Member]]:
    rows = db.session.execute(
        select(CircleMembership.circle_id, Member)
        .join(Member, Member.id == CircleMembership.member_id)
        .where(
            CircleMembership.circle_id.in_(list(circle_ids)),
            CircleMembership.role == CircleRole.MODERATOR,
            CircleMembership.state == MembershipState.ACTIVE,
        )
        .order_by(Member.last_name, Member.first_name)
    ).all()
    found: dict[int, list[Member]] = defaultdict(list)
    for circle_id, member in rows:
        found[circle_id].append(member)
    return found


def next_meeting_by_circle(circles: list[Circle], now: datetime) -> dict[int, Occurrence | None]:
    meetings = load_meetings([c.id for c in circles])
    found = {}
    for circle in circles:
        upcoming = next_meetings(circle, now, limit=1, meetings=meetings[circle.id])
        found[circle.id] = upcoming[0] if upcoming else None
    return found


def circle_rows(member: Member | None, now: datetime) -> list[CircleRow]:
    """The member's list: every circle, its moderators, size, next meeting, own state."""
    circles = all_circles()
    ids = [c.id for c in circles]
    counts = member_counts(ids)
    moderators = moderators_by_circle(ids)
    upcoming = next_meeting_by_circle(circles, now)
    mine = {}
    if member is not None:
        mine = dict(
            db.session.execute(
                select(CircleMembership.circle_id, CircleMembership.state).where(
                    CircleMembership.member_id == member.id
                )
            ).all()
        )
    return [
        CircleRow(
            circle=c,
            members=counts.get(c.id, 0),
            moderators=moderators.get(c.id, []),
            next_meeting=upcoming[c.id],
            my_state=MembershipState(mine[c.id]) if c.id in mine else None,
        )
        for c in circles
    ]


def overview_rows(now: datetime, stale_after: timedelta) -> list[CircleRow]:
    """The office's overview: also the date of the last minutes and a flag when stale.

    A circle is stale when its last minutes (or, without any, its creation) lie longer
    back than stale_after: the office follows up on circles that no longer write minutes.
    """
    circles = all_circles()
    ids = [c.id for c in circles]
    counts = member_counts(ids)
    moderators = moderators_by_circle(ids)
    upcoming = next_meeting_by_circle(circles, now)
    last = dict(
        db.session.execute(
            select(Minutes.circle_id, func.max(Minutes.occurrence_dt))
            .where(Minutes.circle_id.in_(ids))
            .group_by(Minutes.circle_id)
        ).all()
    )
    rows = []
    for c in circles:
        last_dt = _aware(last.get(c.id))
        reference = last_dt or c.created_dt
        rows.append(
            CircleRow(
                circle=c,
                members=counts.get(c.id, 0),
                moderators=moderators.get(c.id, []),
                next_meeting=upcoming[c.id],
                last_minutes_dt=last_dt,
                is_stale=reference is not None and now - reference > stale_after,
            )
        )
    return rows


def stale_circles(now: datetime, stale_after: timedelta) -> list[tuple[int, str]]:
    """(id, name) of the circles overview_rows flags as stale, by name, in one statement.

    The same rule in SQL: the last minutes, or without any the circle's creation, lie
    longer back than stale_after.
    """
    last = (
        select(Minutes.circle_id, func.max(Minutes.occurrence_dt).label("last_dt"))
        .group_by(Minutes.circle_id)
        .subquery()
    )
    cutoff = now - stale_after
    return list(
        db.session.execute(
            select(Circle.id, Circle.name)
            .outerjoin(last, last.c.circle_id == Circle.id)
            .where(
                or_(
                    last.c.last_dt < cutoff,
                    last.c.last_dt.is_(None) & (Circle.created_dt < cutoff),
                )
            )
            .order_by(func.lower(Circle.name))
        ).all()
    )


def _aware(value: datetime | None) -> datetime | None:
    # An aggregate bypasses the column type: SQLite hands back a naive UTC value or text.
    from datetime import UTC

    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- one circle ---------------------------------------------------------------------------


def find_occurrence(circle: Circle, key: datetime) -> Occurrence | None:
    """The meeting named by key (its occurrence_dt), skipped ones included, or None."""
    meetings = load_meetings([circle.id])[circle.id]
    starts = {key}
    for meeting in meetings:
        if meeting.recurrence_dt == key or (
            meeting.recurrence_dt is None and meeting.start_dt == key
        ):
            starts.add(meeting.start_dt)
    for start in starts:
        for occurrence in occurrences(
            circle, start, start + timedelta(seconds=1), meetings=meetings, include_skipped=True
        ):
            if occurrence.key == key:
                return occurrence
    return None


def upcoming_meetings(circle: Circle, now: datetime, limit: int = 6) -> list[Occurrence]:
    """The next meetings, cancelled ones included so members see that they fall out."""
    return next_meetings(circle, now, limit=limit, include_skipped=True)


def past_meetings(circle: Circle, now: datetime, days: int = 400) -> list[Occurrence]:
    """Meetings that have begun within the last `days`, newest first."""
    found = occurrences(circle, now - timedelta(days=days), now + timedelta(seconds=1))
    return sorted(found, key=lambda o: o.start_dt, reverse=True)


@dataclass
class Answers:
    counts: dict[datetime, Counter] = field(default_factory=dict)
    mine: dict[datetime, AttendanceAnswer] = field(default_factory=dict)


def answers_for(circle: Circle, keys: list[datetime], member: Member | None) -> Answers:
    """Answer counts per meeting, and the member's own answers, in one statement."""
    answers = Answers(counts={key: Counter() for key in keys})
    if not keys:
        return answers
    rows = db.session.execute(
        select(
            MeetingResponse.occurrence_dt, MeetingResponse.member_id, MeetingResponse.answer
        ).where(MeetingResponse.circle_id == circle.id, MeetingResponse.occurrence_dt.in_(keys))
    ).all()
    for occurrence_dt, member_id, answer in rows:
        answer = AttendanceAnswer(answer)
        answers.counts.setdefault(occurrence_dt, Counter())[answer] += 1
        if member is not None and member_id == member.id:
            answers.mine[occurrence_dt] = answer
    return answers


def respondents(circle: Circle, key: datetime) -> dict[AttendanceAnswer, list[Member]]:
    """Who answered what for one meeting (moderators plan the room with it)."""
    rows = db.session.execute(
        select(MeetingResponse.answer, Member)
        .join(Member, Member.id == MeetingResponse.member_id)
        .where(MeetingResponse.circle_id == circle.id, MeetingResponse.occurrence_dt == key)
        .order_by(Member.last_name, Member.first_name)
    ).all()
    found: dict[AttendanceAnswer, list[Member]] = {a: [] for a in AttendanceAnswer}
    for answer, member in rows:
        found[AttendanceAnswer(answer)].append(member)
    return found


def memberships(circle: Circle) -> list[CircleMembership]:
    """Moderators first, then members by name; requests last."""
    rows = db.session.execute(
        select(CircleMembership)
        .join(Member, Member.id == CircleMembership.member_id)
        .options(joinedload(CircleMembership.member))
        .where(CircleMembership.circle_id == circle.id)
        .order_by(Member.last_name, Member.first_name)
    ).scalars()

    def order(m: CircleMembership):
        return (m.state != MembershipState.ACTIVE, m.role != CircleRole.MODERATOR)

    return sorted(rows, key=order)


def candidates(circle: Circle) -> list[Member]:
    """Active members who are not (yet) active members of the circle."""
    in_circle = select(CircleMembership.member_id).where(
        CircleMembership.circle_id == circle.id,
        CircleMembership.state == MembershipState.ACTIVE,
    )
    return list(
        db.session.execute(
            select(Member)
            .where(Member.is_active, Member.id.not_in(in_circle))
            .order_by(Member.last_name, Member.first_name)
        ).scalars()
    )


def search_minutes(circle: Circle, terms: list[str], page: int):
    """The circle's minutes, newest first; each term must occur in text or agreed actions."""
    query = (
        select(Minutes)
        .options(selectinload(Minutes.files))
        .where(Minutes.circle_id == circle.id)
        .order_by(Minutes.occurrence_dt.desc())
    )
    for term in terms:
        needle = term.lower()
        query = query.where(
            or_(
                func.lower(Minutes.text).contains(needle, autoescape=True),
                func.lower(Minutes.agreed_actions).contains(needle, autoescape=True),
            )
        )
    return db.paginate(query, page=page, per_page=MINUTES_PER_PAGE, error_out=False)


def recent_minutes(circle: Circle, limit: int) -> tuple[list[Minutes], int]:
    """The newest minutes (with their files) and how many there are in all."""
    newest = db.session.execute(
        select(Minutes)
        .options(selectinload(Minutes.files))
        .where(Minutes.circle_id == circle.id)
        .order_by(Minutes.occurrence_dt.desc())
        .limit(limit)
    ).scalars()
    total = db.session.execute(
        select(func.count()).where(Minutes.circle_id == circle.id)
    ).scalar_one()
    return list(newest), total


def minutes_keys(circle: Circle) -> set[datetime]:
    return set(
        db.session.execute(
            select(Minutes.occurrence_dt).where(Minutes.circle_id == circle.id)
        ).scalars()
    )
