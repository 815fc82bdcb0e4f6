"""Topic suggestions (Themenvorschläge) for a coming Fachtag, with votes and comments."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netzwerk.db import TimestampMixin, UTCDateTime, db, enum_column, utcnow

if TYPE_CHECKING:
    from netzwerk.events.models import Event, Workshop
    from netzwerk.members.models import Member


class TopicState(enum.StrEnum):
    SUBMITTED = "eingereicht"
    IN_REVIEW = "in_pruefung"
    ACCEPTED = "angenommen"
    SCHEDULED = "eingeplant"
    DONE = "umgesetzt"
    REJECTED = "abgelehnt"
    UNCONFIRMED = "unbestaetigt"  # public suggestion waiting for e-mail confirmation

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    TopicState.SUBMITTED: "Eingereicht",
    TopicState.IN_REVIEW: "In Prüfung",
    TopicState.ACCEPTED: "Angenommen",
    TopicState.SCHEDULED: "Eingeplant",
    TopicState.DONE: "Umgesetzt",
    TopicState.REJECTED: "Abgelehnt",
    TopicState.UNCONFIRMED: "Unbestätigt",
}
MERGED_LABEL = "Zusammengeführt"


class TopicSuggestion(TimestampMixin, db.Model):
    __tablename__ = "topic_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    learning_goal: Mapped[str] = mapped_column(Text, default="")
    offers_workshop: Mapped[bool] = mapped_column(default=False)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    suggester_name: Mapped[str] = mapped_column(String(200), default="")
    suggester_email: Mapped[str] = mapped_column(String(254), default="")
    state: Mapped[TopicState] = enum_column(TopicState, default=TopicState.SUBMITTED, index=True)
    public_reason: Mapped[str] = mapped_column(String(500), default="")
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("topic_suggestions.id", ondelete="SET NULL")
    )
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshops.id", ondelete="SET NULL"), unique=True
    )
    # Kept equal to the number of TopicVote rows, so lists sort without counting.
    vote_count: Mapped[int] = mapped_column(default=0, index=True)

    member: Mapped[Member | None] = relationship()
    event: Mapped[Event | None] = relationship()
    workshop: Mapped[Workshop | None] = relationship()
    merged_into: Mapped[TopicSuggestion | None] = relationship(remote_side=[id])

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def takes_votes(self) -> bool:
        return not self.is_merged and self.state not in NO_NEW_VOTES

    @property
    def state_label(self) -> str:
        return MERGED_LABEL if self.is_merged else self.state.label


# Merged suggestions take no votes either; their votes moved to the target.
NO_NEW_VOTES = (TopicState.REJECTED, TopicState.UNCONFIRMED)


class TopicVote(db.Model):
    __tablename__ = "topic_votes"
    __table_args__ = (UniqueConstraint("topic_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic_suggestions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TopicComment(db.Model):
    __tablename__ = "topic_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topic_suggestions.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member = relationship("Member")


class TopicSettings(db.Model):
    """The office's choices for the suggestion box: one row. Until a coordinator has
    chosen, the TOPICS_PUBLIC_SUGGESTIONS setting decides."""

    __tablename__ = "topic_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_suggestions: Mapped[bool] = mapped_column(default=False)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
