"""When a suggestion may be made, voted on and decided; refusals carry German messages."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import and_, or_

from netzwerk.core.templating import datetime_de
from netzwerk.events.models import Event, EventState
from netzwerk.topics.models import TopicState, TopicSuggestion

# The states a coordinator moves a suggestion through (unbestaetigt is the suggester's step).
DECISION_STATES = (
    TopicState.SUBMITTED,
    TopicState.IN_REVIEW,
    TopicState.ACCEPTED,
    TopicState.SCHEDULED,
    TopicState.DONE,
    TopicState.REJECTED,
)


class TopicRefused(Exception):
    """What someone tried does not fit the suggestion or the event; the message is German."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Phase(enum.StrEnum):
    NONE = "none"  # the coordinator has not set a suggestion phase for this event
    NOT_YET = "not_yet"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "none": "nicht festgelegt",
            "not_yet": "noch nicht begonnen",
            "open": "offen",
            "closed": "beendet",
        }[self.value]


def phase_of(event: Event, now: datetime) -> Phase:
    opens, closes = event.suggestions_open_dt, event.suggestions_close_dt
    if opens is None and closes is None:
        return Phase.NONE
    if event.state == EventState.CANCELLED or event.start_dt <= now:
        return Phase.CLOSED
    if opens is not None and now < opens:
        return Phase.NOT_YET
    if closes is not None and now >= closes:
        return Phase.CLOSED
    return Phase.OPEN


def phase_open_clause(now: datetime):
    """phase_of(event, now) == Phase.OPEN, as SQL (for choosing events in a form)."""
    return and_(
        or_(Event.suggestions_open_dt.is_not(None), Event.suggestions_close_dt.is_not(None)),
        or_(Event.suggestions_open_dt.is_(None), Event.suggestions_open_dt <= now),
        or_(Event.suggestions_close_dt.is_(None), Event.suggestions_close_dt > now),
        Event.state == EventState.PUBLISHED,
        Event.start_dt > now,
    )


def check_suggestion_phase(event: Event, now: datetime) -> None:
    phase = phase_of(event, now)
    if phase == Phase.OPEN and event.state == EventState.PUBLISHED:
        return
    title = f"„{event.title}“"
    if phase == Phase.NOT_YET:
        message = (
            f"Themenvorschläge für {title} nehmen wir ab dem "
            f"{datetime_de(event.suggestions_open_dt, 'short')} Uhr entgegen."
        )
    elif phase == Phase.CLOSED and event.suggestions_close_dt and event.start_dt > now:
        message = (
            f"Die Vorschlagsphase für {title} endete am "
            f"{datetime_de(event.suggestions_close_dt, 'short')} Uhr. Sie können Ihr Thema "
            "aber allgemein vorschlagen."
        )
    else:
        message = (
            f"Für {title} werden keine Themenvorschläge (mehr) gesammelt. Sie können Ihr "
            "Thema aber allgemein vorschlagen."
        )
    raise TopicRefused(message, field="event")


def check_takes_votes(topic: TopicSuggestion) -> None:
    if topic.is_merged:
        raise TopicRefused(
            f"Dieser Vorschlag wurde mit Vorschlag Nr. {topic.merged_into_id} zusammengeführt. "
            "Bitte stimmen Sie dort ab."
        )
    if topic.state == TopicState.REJECTED:
        raise TopicRefused("Dieser Vorschlag wurde abgelehnt und nimmt keine Stimmen mehr an.")
    if topic.state == TopicState.UNCONFIRMED:
        raise TopicRefused("Dieser Vorschlag ist noch nicht bestätigt.")


def check_decidable(topic: TopicSuggestion) -> None:
    """The coordinator may change state, merge or plan only confirmed, unmerged suggestions."""
    if topic.is_merged:
        raise TopicRefused(
            f"Dieser Vorschlag ist mit Vorschlag Nr. {topic.merged_into_id} zusammengeführt. "
            "Bitte entscheiden Sie dort."
        )
    if topic.state == TopicState.UNCONFIRMED:
        raise TopicRefused(
            "Dieser Vorschlag ist noch nicht per E-Mail bestätigt; darüber kann noch nicht "
            "entschieden werden."
        )
