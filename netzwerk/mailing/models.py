"""Mailing lists (Verteiler), subscriptions, list messages and the outbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netzwerk.db import TimestampMixin, UTCDateTime, db, enum_column, utcnow
from netzwerk.members.models import EmployerKind, SchoolForm

if TYPE_CHECKING:
    from netzwerk.events.models import Event
    from netzwerk.files.models import StoredFile


class OutboxState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """One e-mail to one recipient. Written in the transaction that caused it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_state_next_attempt", "state", "next_attempt_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[OutboxState] = enum_column(OutboxState, default=OutboxState.QUEUED)
    to_email: Mapped[str] = mapped_column(String(254), index=True)
    to_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    reply_to: Mapped[str | None] = mapped_column(String(254))
    sender_name: Mapped[str | None] = mapped_column(String(200))
    extra_headers: Mapped[dict] = mapped_column(JSON, default=dict)
    list_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("list_messages.id", ondelete="SET NULL"), index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(1000), default="")
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class OutboxAttachment(db.Model):
    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ListVisibility(enum.StrEnum):
    OPEN = "open"  # anyone may subscribe (double opt-in)
    MEMBERS = "members"  # logged-in members may subscribe
    CLOSED = "closed"  # only the coordinator adds people


class LegalBasis(enum.StrEnum):
    CONSENT = "consent"  # Art. 6 (1) a DSGVO
    PUBLIC_TASK = "public_task"  # Art. 6 (1) e DSGVO: working lists of members


class MailingList(TimestampMixin, db.Model):
    __tablename__ = "mailing_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[LegalBasis] = enum_column(LegalBasis, default=LegalBasis.CONSENT)
    visibility: Mapped[ListVisibility] = enum_column(ListVisibility, default=ListVisibility.CLOSED)
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    consent_text_version: Mapped[str] = mapped_column(String(40), default="")
    has_archive: Mapped[bool] = mapped_column(default=False)
    circle_id: Mapped[int | None] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), unique=True
    )

    segments: Mapped[list[ListSegment]] = relationship(
        back_populates="mailing_list", cascade="all, delete-orphan"
    )


class SubscriptionState(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"


class Subscription(db.Model):
    """A person who joined a list, with the double opt-in proof."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("list_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("mailing_lists.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    state: Mapped[SubscriptionState] = enum_column(
        SubscriptionState, default=SubscriptionState.PENDING
    )
    consent_text_version: Mapped[str] = mapped_column(String(40), default="")
    requested_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    request_ip: Mapped[str] = mapped_column(String(45), default="")
    # Set by the outbox worker when the confirmation mail really went out, not when it
    # was queued: the proof of consent names the time the person was asked.
    confirmation_sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )
    confirmed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_ip: Mapped[str] = mapped_column(String(45), default="")
    unsubscribed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    mailing_list: Mapped[MailingList] = relationship()


class ListSegment(db.Model):
    """A live rule over members; all set conditions must hold (AND), rules combine by OR."""

    __tablename__ = "list_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("mailing_lists.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("professional_groups.id", ondelete="CASCADE")
    )
    employer_kind: Mapped[EmployerKind | None] = enum_column(EmployerKind, nullable=True)
    school_form: Mapped[SchoolForm | None] = enum_column(SchoolForm, nullable=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"))
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))

    mailing_list: Mapped[MailingList] = relationship(back_populates="segments")


class ListOptOut(db.Model):
    """A person who left a segment-based list; segments no longer reach them."""

    __tablename__ = "list_opt_outs"
    __table_args__ = (UniqueConstraint("list_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("mailing_lists.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ListMessageState(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"


list_message_files = Table(
    "list_message_files",
    db.metadata,
    Column("list_message_id", ForeignKey("list_messages.id", ondelete="CASCADE"), primary_key=True),
    Column("file_id", ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True),
)


class ListMessage(TimestampMixin, db.Model):
    """A message the coordinator writes to a list; fanned out into the outbox."""

    __tablename__ = "list_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("mailing_lists.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    greet_by_name: Mapped[bool] = mapped_column(default=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[ListMessageState] = enum_column(ListMessageState, default=ListMessageState.DRAFT)
    scheduled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipient_count: Mapped[int] = mapped_column(default=0)

    mailing_list: Mapped[MailingList] = relationship()
    # Attached at delivery time from here, not copied into every outbox message.
    files: Mapped[list[StoredFile]] = relationship(
        secondary=list_message_files, order_by="StoredFile.id"
    )
    event: Mapped[Event | None] = relationship()


class EmailSuppression(db.Model):
    """An address that bounces. Suspended addresses get no list mail; transactional mail
    (password reset, registrations) still goes out, since the person may need it."""

    __tablename__ = "email_suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    reason: Mapped[str] = mapped_column(String(1000), default="")
    bounce_count: Mapped[int] = mapped_column(default=0)
    suspended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_bounce_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
