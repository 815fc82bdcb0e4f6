"""Reads for the topic pages: filtered lists, counts in one statement, form choices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from netzwerk.db import db
from netzwerk.events.models import Event, EventKind, EventState, Workshop
from netzwerk.members.models import Member
from netzwerk.topics.models import (
    MERGED_LABEL,
    TopicComment,
    TopicState,
    TopicSuggestion,
    TopicVote,
)
from netzwerk.topics.rules import DECISION_STATES, phase_open_clause

TOPICS_PER_PAGE = 30
MERGED = "zusammengefuehrt"  # the filter value for merged suggestions
GENERAL = "allgemein"  # the filter value for suggestions for no particular event
SORTS = {"stimmen": "Meiste Stimmen", "neu": "Neueste zuerst", "status": "Nach Status"}
STATE_FILTERS = [(s.value, s.label) for s in DECISION_STATES] + [(MERGED, MERGED_LABEL)]

_state_order = case(
    {state.value: position for position, state in enumerate(DECISION_STATES)},
    value=TopicSuggestion.state,
    else_=len(DECISION_STATES),
)


@dataclass(frozen=True)
class TopicFilters:
    sort: str = "stimmen"
    event: str = ""  # "", GENERAL or an event id
    state: str = ""  # "", a TopicState value or MERGED


def _filtered(filters: TopicFilters, *, with_unconfirmed: bool = False):
    query = select(TopicSuggestion)
    if not with_unconfirmed:
        query = query.where(TopicSuggestion.state != TopicState.UNCONFIRMED)
    if filters.event == GENERAL:
        query = query.where(TopicSuggestion.event_id.is_(None))
    elif filters.event.isdigit():
        query = query.where(TopicSuggestion.event_id == int(filters.event))
    if filters.state == MERGED:
        query = query.where(TopicSuggestion.merged_into_id.is_not(None))
    elif filters.state in {s.value for s in TopicState}:
        query = query.where(
            TopicSuggestion.state == TopicState(filters.state),
            TopicSuggestion.merged_into_id.is_(None),
        )
    return query


def _ordered(query, sort: str):
    newest = (TopicSuggestion.created_dt.desc(), TopicSuggestion.id.desc())
    merged_last = TopicSuggestion.merged_into_id.is_not(None)
    if sort == "neu":
        return query.order_by(*newest)
    if sort == "status":
        return query.order_by(merged_last, _state_order, TopicSuggestion.vote_count.desc(), *newest)
    return query.order_by(TopicSuggestion.vote_count.desc(), merged_last, *newest)


def topics_page(filters: TopicFilters, page: int = 1, *, with_unconfirmed: bool = False):
    query = _ordered(_filtered(filters, with_unconfirmed=with_unconfirmed), filters.sort)
    query = query.options(joinedload(TopicSuggestion.event))
    return db.paginate(query, page=page, per_page=TOPICS_PER_PAGE, error_out=False)


def all_topics(filters: TopicFilters) -> list[TopicSuggestion]:
    """Every confirmed suggestion matching the filters, for the export."""
    query = _ordered(_filtered(filters), filters.sort).options(
        joinedload(TopicSuggestion.event),
        joinedload(TopicSuggestion.member),
        joinedload(TopicSuggestion.workshop),
    )
    return list(db.session.execute(query).scalars().unique())


def comment_counts(topic_ids: Iterable[int]) -> dict[int, int]:
    ids = list(dict.fromkeys(topic_ids))
    counts = dict.fromkeys(ids, 0)
    if ids:
        counts.update(
            db.session.execute(
                select(TopicComment.topic_id, func.count())
                .where(TopicComment.topic_id.in_(ids))
                .group_by(TopicComment.topic_id)
            ).all()
        )
    return counts


def voted_topic_ids(member: Member | None, topic_ids: Iterable[int]) -> set[int]:
    ids = list(topic_ids)
    if member is None or not ids:
        return set()
    return set(
        db.session.execute(
            select(TopicVote.topic_id).where(
                TopicVote.member_id == member.id, TopicVote.topic_id.in_(ids)
            )
        ).scalars()
    )


def state_counts() -> dict[str, int]:
    """{state value or MERGED: n}, every key present, in one statement."""
    counts = dict.fromkeys([s.value for s in TopicState] + [MERGED], 0)
    rows = db.session.execute(
        select(
            TopicSuggestion.state,
            TopicSuggestion.merged_into_id.is_not(None),
            func.count(),
        ).group_by(TopicSuggestion.state, TopicSuggestion.merged_into_id.is_not(None))
    ).all()
    for state, merged, n in rows:
        key = MERGED if merged else TopicState(state).value
        counts[key] += n
    return counts


def comments_of(topic: TopicSuggestion) -> list[TopicComment]:
    return list(
        db.session.execute(
            select(TopicComment)
            .where(TopicComment.topic_id == topic.id)
            .options(joinedload(TopicComment.member))
            .order_by(TopicComment.created_dt, TopicComment.id)
        ).scalars()
    )


def topic_with_links(topic_id: int) -> TopicSuggestion | None:
    """One suggestion with its event, workshop, merge target and suggester loaded."""
    return db.session.execute(
        select(TopicSuggestion)
        .where(TopicSuggestion.id == topic_id)
        .options(
            joinedload(TopicSuggestion.event),
            joinedload(TopicSuggestion.workshop).joinedload(Workshop.event),
            joinedload(TopicSuggestion.merged_into),
            joinedload(TopicSuggestion.member),
        )
    ).scalar_one_or_none()


def merged_here(topic: TopicSuggestion) -> list[TopicSuggestion]:
    """The duplicates merged into this suggestion."""
    return list(
        db.session.execute(
            select(TopicSuggestion)
            .where(TopicSuggestion.merged_into_id == topic.id)
            .order_by(TopicSuggestion.id)
        ).scalars()
    )


def merge_targets(topic: TopicSuggestion) -> list[TopicSuggestion]:
    """Suggestions a duplicate may be merged into."""
    return list(
        db.session.execute(
            select(TopicSuggestion)
            .where(
                TopicSuggestion.id != topic.id,
                TopicSuggestion.merged_into_id.is_(None),
                TopicSuggestion.state.not_in([TopicState.REJECTED, TopicState.UNCONFIRMED]),
            )
            .order_by(TopicSuggestion.title, TopicSuggestion.id)
        ).scalars()
    )


# --- events -------------------------------------------------------------------------


def open_events(now: datetime, *, public: bool = False) -> list[Event]:
    """Events taking suggestions right now."""
    query = select(Event).where(phase_open_clause(now)).order_by(Event.start_dt, Event.id)
    if public:
        query = query.where(Event.is_public)
    return list(db.session.execute(query).scalars())


def filter_events(now: datetime, *, public: bool = False) -> list[Event]:
    """Events to filter the list by: those with suggestions, and those taking them."""
    with_topics = select(TopicSuggestion.event_id).where(
        TopicSuggestion.event_id.is_not(None), TopicSuggestion.state != TopicState.UNCONFIRMED
    )
    query = (
        select(Event)
        .where(or_(Event.id.in_(with_topics), phase_open_clause(now)))
        .where(Event.state != EventState.DRAFT)
        .order_by(Event.start_dt.desc(), Event.id)
    )
    if public:
        query = query.where(Event.is_public)
    return list(db.session.execute(query).scalars())


def upcoming_events(now: datetime, *, fachtage_only: bool = False) -> list[Event]:
    """Coming events that are not cancelled (drafts too: the office plans ahead)."""
    query = (
        select(Event)
        .where(Event.start_dt > now, Event.state != EventState.CANCELLED)
        .order_by(Event.start_dt, Event.id)
    )
    if fachtage_only:
        query = query.where(Event.kind == EventKind.FACHTAG)
    return list(db.session.execute(query).scalars())


def topics_for_workshops(workshop_ids: Iterable[int]) -> dict[int, TopicSuggestion]:
    """{workshop_id: the suggestion it came from}, for event pages ("aus Themenvorschlag")."""
    ids = list(dict.fromkeys(workshop_ids))
    if not ids:
        return {}
    topics = db.session.execute(
        select(TopicSuggestion).where(TopicSuggestion.workshop_id.in_(ids))
    ).scalars()
    return {topic.workshop_id: topic for topic in topics}
