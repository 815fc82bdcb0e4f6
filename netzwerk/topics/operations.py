"""Topic verbs: suggest, confirm, vote, comment; decide, merge, plan as a workshop.

Like every operation these flush and never commit; the request commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from netzwerk.accounts.operations import normalise_email
from netzwerk.audit import record_audit
from netzwerk.core.net import client_ip
from netzwerk.core.tokens import InvalidToken, make_token, read_token
from netzwerk.core.urls import external_url
from netzwerk.db import db, utcnow
from netzwerk.events.admin_operations import create_workshop
from netzwerk.events.models import Event, EventState, Workshop
from netzwerk.members.models import Member
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord
from netzwerk.topics import notifications
from netzwerk.topics.models import (
    NO_NEW_VOTES,
    TopicComment,
    TopicSettings,
    TopicState,
    TopicSuggestion,
    TopicVote,
)
from netzwerk.topics.rules import (
    DECISION_STATES,
    TopicRefused,
    check_decidable,
    check_suggestion_phase,
    check_takes_votes,
)

CONFIRM_PURPOSE = "topic-confirm"
DEFAULT_CONFIRM_MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class TopicDetails:
    title: str
    description: str
    learning_goal: str = ""
    offers_workshop: bool = False
    event_id: int | None = None


@dataclass(frozen=True)
class PublicSuggester:
    name: str
    email: str


def confirm_max_age() -> timedelta:
    return current_app.config.get("TOPIC_CONFIRM_MAX_AGE", DEFAULT_CONFIRM_MAX_AGE)


SETTINGS_ID = 1


def public_suggestions_enabled() -> bool:
    """May visitors without an account suggest topics (with e-mail confirmation)?"""
    settings = db.session.get(TopicSettings, SETTINGS_ID)
    if settings is None:
        return bool(current_app.config.get("TOPICS_PUBLIC_SUGGESTIONS", False))
    return settings.public_suggestions


def set_public_suggestions(enabled: bool) -> None:
    """The coordinator opens or closes the suggestion box to the public."""
    settings = db.session.get(TopicSettings, SETTINGS_ID)
    if settings is None:
        settings = TopicSettings(id=SETTINGS_ID)
        db.session.add(settings)
    settings.public_suggestions = enabled
    settings.changed_dt = utcnow()
    record_audit(
        "topics.public_suggestions",
        "topic_settings",
        SETTINGS_ID,
        "Öffentliche Themenvorschläge " + ("zugelassen" if enabled else "geschlossen"),
    )
    db.session.flush()


# --- suggesting ---------------------------------------------------------------------


def _event_for(details: TopicDetails, now: datetime, *, public: bool) -> Event | None:
    if details.event_id is None:
        return None
    event = db.session.get(Event, details.event_id)
    if event is None or event.state == EventState.DRAFT or (public and not event.is_public):
        raise TopicRefused("Bitte wählen Sie eine Veranstaltung aus der Liste.", field="event")
    check_suggestion_phase(event, now)
    return event


def _new_topic(details: TopicDetails, event: Event | None, **fields) -> TopicSuggestion:
    topic = TopicSuggestion(
        title=details.title,
        description=details.description,
        learning_goal=details.learning_goal,
        offers_workshop=details.offers_workshop,
        event_id=event.id if event else None,
        vote_count=0,
        **fields,
    )
    db.session.add(topic)
    db.session.flush()
    return topic


def suggest_topic(
    details: TopicDetails, member: Member, now: datetime | None = None
) -> TopicSuggestion:
    """A member's suggestion; it is submitted at once (the account proves the address)."""
    event = _event_for(details, now or utcnow(), public=False)
    return _new_topic(details, event, member_id=member.id, state=TopicState.SUBMITTED)


def suggest_topic_publicly(
    details: TopicDetails, suggester: PublicSuggester, now: datetime | None = None
) -> TopicSuggestion:
    """A suggestion from outside the network: stored unconfirmed until the address answers."""
    now = now or utcnow()
    if not public_suggestions_enabled():
        raise TopicRefused(
            "Themenvorschläge nimmt die Koordinierungsstelle derzeit nur von Mitgliedern entgegen."
        )
    event = _event_for(details, now, public=True)
    purge_unconfirmed_topics(now)
    topic = _new_topic(
        details,
        event,
        suggester_name=suggester.name,
        suggester_email=normalise_email(suggester.email),
        state=TopicState.UNCONFIRMED,
    )
    link = external_url("topics.confirm", token=make_token(CONFIRM_PURPOSE, topic.id))
    notifications.confirmation_link(topic, link, confirm_max_age().days)
    return topic


def topic_for_token(token: str, *, lock: bool = False) -> TopicSuggestion:
    """The suggestion a confirmation link names. Raises InvalidToken."""
    try:
        topic_id = read_token(CONFIRM_PURPOSE, token, confirm_max_age())
    except InvalidToken as exc:
        if not exc.expired:
            raise
        # A confirmed suggestion deserves "already confirmed", however old the link.
        topic = _topic(read_token(CONFIRM_PURPOSE, token), lock)
        if topic is None or topic.state == TopicState.UNCONFIRMED:
            raise
        return topic
    topic = _topic(topic_id, lock)
    if topic is None:
        raise InvalidToken()
    return topic


def _topic(topic_id, lock: bool) -> TopicSuggestion | None:
    if not isinstance(topic_id, int):
        return None
    return db.session.get(TopicSuggestion, topic_id, with_for_update=lock or None)


def confirm_topic(topic: TopicSuggestion, now: datetime | None = None) -> bool:
    """The owner of the address confirmed: the suggestion is submitted. False if it already was."""
    if topic.state != TopicState.UNCONFIRMED:
        return False
    now = now or utcnow()
    topic.state = TopicState.SUBMITTED
    topic.created_dt = now  # "newest" counts from when it became visible
    # Consent counts from the moment the owner of the address confirmed it (double opt-in).
    db.session.add(
        ConsentRecord(
            email=topic.suggester_email,
            purpose=ConsentPurpose.TOPIC_SUGGESTION,
            subject_ref=str(topic.id),
            text_version=current_app.config["CONSENT_TEXT_VERSION"],
            given_dt=now,
            given_ip=client_ip(),
        )
    )
    db.session.flush()
    return True


def purge_unconfirmed_topics(now: datetime | None = None) -> int:
    """Delete public suggestions whose confirmation link has expired."""
    cutoff = (now or utcnow()) - confirm_max_age()
    result = db.session.execute(
        delete(TopicSuggestion)
        .where(
            TopicSuggestion.state == TopicState.UNCONFIRMED,
            TopicSuggestion.created_dt < cutoff,
        )
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


# --- votes and comments ---------------------------------------------------------------


def cast_vote(topic: TopicSuggestion, member: Member) -> bool:
    """Count the member's vote once. False if it was counted already (a double click).

    The unique constraint decides, not a check before the insert: two requests at the
    same moment both pass any check, but only one insert succeeds. The savepoint keeps
    the losing request's transaction usable, so it ends normally instead of in an error.
    """
    check_takes_votes(topic)
    try:
        with db.session.begin_nested():
            db.session.add(TopicVote(topic_id=topic.id, member_id=member.id))
    except IntegrityError:
        return False
    counted = db.session.execute(
        update(TopicSuggestion)
        .where(
            TopicSuggestion.id == topic.id,
            TopicSuggestion.merged_into_id.is_(None),
            TopicSuggestion.state.not_in(NO_NEW_VOTES),
        )
        .values(vote_count=TopicSuggestion.vote_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if counted != 1:
        # Merged or rejected a moment ago; the caller rolls back the vote.
        db.session.refresh(topic)
        check_takes_votes(topic)
        raise TopicRefused("Dieser Vorschlag nimmt keine Stimmen mehr an.")
    db.session.expire(topic, ["vote_count"])
    return True


def withdraw_vote(topic: TopicSuggestion, member: Member) -> bool:
    """Take the member's vote back. False if there was none (a double click)."""
    removed = db.session.execute(
        delete(TopicVote)
        .where(TopicVote.topic_id == topic.id, TopicVote.member_id == member.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if removed:
        db.session.execute(
            update(TopicSuggestion)
            .where(TopicSuggestion.id == topic.id)
            .values(vote_count=TopicSuggestion.vote_count - removed)
            .execution_options(synchronize_session=False)
        )
        db.session.expire(topic, ["vote_count"])
    return bool(removed)


def add_comment(topic: TopicSuggestion, member: Member, text: str) -> TopicComment:
    if topic.is_merged:
        raise TopicRefused(
            f"Dieser Vorschlag wurde mit Vorschlag Nr. {topic.merged_into_id} zusammengeführt. "
            "Bitte kommentieren Sie dort.",
            field="text",
        )
    comment = TopicComment(topic_id=topic.id, member_id=member.id, text=text)
    db.session.add(comment)
    db.session.flush()
    return comment


# --- the coordinator's decisions -------------------------------------------------------


def _locked(topic_id: int) -> TopicSuggestion:
    # FOR NO KEY UPDATE: votes (which only key-share the row) queue behind us, never deadlock.
    topic = db.session.get(
        TopicSuggestion, topic_id, with_for_update={"key_share": True}, populate_existing=True
    )
    assert topic is not None
    return topic


def change_state(topic: TopicSuggestion, state: TopicState, reason: str = "") -> TopicSuggestion:
    """Move the suggestion to a state with a short public reason; the suggester is told."""
    topic = _locked(topic.id)
    check_decidable(topic)
    if state not in DECISION_STATES:
        raise TopicRefused("Bitte wählen Sie einen Status aus der Liste.", field="state")
    reason = reason.strip()
    if state == TopicState.REJECTED and not reason:
        raise TopicRefused(
            "Bitte begründen Sie die Ablehnung kurz; die Begründung ist öffentlich.",
            field="reason",
        )
    if state == topic.state and reason == topic.public_reason:
        raise TopicRefused(f"Der Vorschlag hat bereits den Status „{state.label}“.", field="state")
    topic.state = state
    topic.public_reason = reason
    db.session.flush()
    notifications.state_changed(topic)
    return topic


def merge_topics(source: TopicSuggestion, target: TopicSuggestion) -> TopicSuggestion:
    """Merge a duplicate into target: its votes move over, a member who voted for both
    counts once, and the duplicate takes no more votes."""
    if source.id == target.id:
        raise TopicRefused(
            "Ein Vorschlag kann nicht mit sich selbst zusammengeführt werden.", field="target"
        )
    # Lock both rows in id order: two merges of the same pair cannot deadlock, and no vote
    # slips in between moving the votes and counting them.
    first, second = sorted((source.id, target.id))
    locked = {first: _locked(first), second: _locked(second)}
    source, target = locked[source.id], locked[target.id]
    check_decidable(source)
    if source.workshop_id is not None:
        raise TopicRefused(
            "Dieser Vorschlag ist bereits als Forum eingeplant und kann nicht mehr "
            "zusammengeführt werden.",
            field="target",
        )
    if target.is_merged:
        raise TopicRefused(
            f"Vorschlag Nr. {target.id} ist selbst mit Nr. {target.merged_into_id} "
            "zusammengeführt. Bitte wählen Sie diesen.",
            field="target",
        )
    if target.state in NO_NEW_VOTES:
        raise TopicRefused(
            f"Vorschlag Nr. {target.id} ist {target.state.label.lower()} und kann keine "
            "Stimmen aufnehmen.",
            field="target",
        )
    voted_for_target = select(TopicVote.member_id).where(TopicVote.topic_id == target.id)
    db.session.execute(
        update(TopicVote)
        .where(TopicVote.topic_id == source.id, TopicVote.member_id.not_in(voted_for_target))
        .values(topic_id=target.id)
        .execution_options(synchronize_session=False)
    )
    # What is left are the votes of members who voted for both: they count once, there.
    db.session.execute(
        delete(TopicVote)
        .where(TopicVote.topic_id == source.id)
        .execution_options(synchronize_session=False)
    )
    target.vote_count = _votes_of(target.id)
    source.vote_count = 0
    source.merged_into_id = target.id
    db.session.flush()
    notifications.merged(source, target)
    return target


def _votes_of(topic_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(TopicVote).where(TopicVote.topic_id == topic_id)
    ).scalar_one()


@dataclass(frozen=True)
class WorkshopPlan:
    event_id: int
    slot: int
    title: str
    facilitator: str = ""
    reason: str = ""


def plan_as_workshop(
    topic: TopicSuggestion, plan: WorkshopPlan, now: datetime | None = None
) -> Workshop:
    """Turn the suggestion into a Forum of a coming event, linked both ways; it is now
    eingeplant and the suggester is told."""
    now = now or utcnow()
    topic = _locked(topic.id)
    check_decidable(topic)
    if topic.workshop_id is not None:
        raise TopicRefused("Aus diesem Vorschlag wurde bereits ein Forum angelegt.", field="event")
    if topic.state in (TopicState.REJECTED, TopicState.DONE):
        raise TopicRefused(
            f"Der Vorschlag ist {topic.state.label.lower()}. Bitte setzen Sie ihn zuerst auf "
            "„Angenommen“.",
            field="event",
        )
    event = db.session.get(Event, plan.event_id)
    if event is None or event.state == EventState.CANCELLED or event.start_dt <= now:
        raise TopicRefused("Bitte wählen Sie eine kommende Veranstaltung.", field="event")
    start_dt, end_dt = _slot_times(event, plan.slot)
    workshop = create_workshop(
        event,
        title=plan.title or topic.title,
        description=_workshop_description(topic),
        facilitator=plan.facilitator,
        slot=plan.slot,
        start_dt=start_dt,
        end_dt=end_dt,
    )
    topic.workshop_id = workshop.id
    topic.state = TopicState.SCHEDULED
    topic.public_reason = plan.reason.strip() or f"Eingeplant als Forum bei „{event.title}“."
    db.session.flush()
    notifications.planned_as_workshop(topic)
    return workshop


def _slot_times(event: Event, slot: int):
    """The times the slot's other Foren have, so the new one runs alongside them."""
    for workshop in event.workshops:
        if workshop.slot == slot and workshop.start_dt:
            return workshop.start_dt, workshop.end_dt
    return None, None


def _workshop_description(topic: TopicSuggestion) -> str:
    if not topic.learning_goal:
        return topic.description
    return f"{topic.description}\n\n**Was Teilnehmende lernen möchten:** {topic.learning_goal}"


# --- suggestion phases -----------------------------------------------------------------


def set_suggestion_phase(event: Event, opens: datetime | None, closes: datetime | None) -> Event:
    if opens and closes and closes <= opens:
        raise TopicRefused(
            "Das Ende der Vorschlagsphase muss nach ihrem Beginn liegen.", field="closes"
        )
    event.suggestions_open_dt = opens
    event.suggestions_close_dt = closes
    db.session.flush()
    return event
