"""Events (Fachtage, Netzwerktreffen, Fortbildungen), workshops and registrations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netzwerk.db import TimestampMixin, UTCDateTime, db, enum_column
from netzwerk.members.models import ProfessionalGroup


class EventKind(enum.StrEnum):
    FACHTAG = "fachtag"
    NETZWERKTREFFEN = "netzwerktreffen"
    FORTBILDUNG = "fortbildung"
    QZ_TREFFEN = "qz_treffen"
    SONSTIGES = "sonstiges"

    @property
    def label(self) -> str:
        return {
            "fachtag": "Fachtag",
            "netzwerktreffen": "Netzwerktreffen",
            "fortbildung": "Fortbildung",
            "qz_treffen": "Qualitätszirkel-Treffen",
            "sonstiges": "Sonstiges",
        }[self.value]


class EventState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class WaitlistMode(enum.StrEnum):
    AUTO = "auto"  # the next person gets the place at once
    OFFER = "offer"  # the next person gets an offer that expires


event_target_groups = Table(
    "event_target_groups",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("professional_groups.id", ondelete="CASCADE"), primary_key=True),
)


class Event(TimestampMixin, db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("end_dt >= start_dt", name="ends_after_start"),
        Index("ix_events_state_start_dt", "state", "start_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EventKind] = enum_column(EventKind)
    description: Mapped[str] = mapped_column(Text, default="")
    programme: Mapped[str] = mapped_column(Text, default="")
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    end_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    organiser_name: Mapped[str] = mapped_column(String(200), default="")
    organiser_email: Mapped[str] = mapped_column(String(254), default="")
    organiser_phone: Mapped[str] = mapped_column(String(50), default="")
    is_public: Mapped[bool] = mapped_column(default=True)
    state: Mapped[EventState] = enum_column(EventState, default=EventState.DRAFT)
    capacity: Mapped[int | None]  # None: no limit
    registration_opens_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancellation_deadline_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    allows_guests: Mapped[bool] = mapped_column(default=False)
    allows_second_choice: Mapped[bool] = mapped_column(default=False)
    waitlist_mode: Mapped[WaitlistMode] = enum_column(WaitlistMode, default=WaitlistMode.AUTO)
    offer_hours: Mapped[int] = mapped_column(default=48)
    reminder_days: Mapped[int | None] = mapped_column(default=2)
    # The questions the registration asks, e.g. [{"key": "diet", "label": "...", "required": false}]
    questions: Mapped[list] = mapped_column(JSON, default=list)
    certificate_hours: Mapped[float | None]
    suggestions_open_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suggestions_close_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # iCalendar SEQUENCE: raised whenever time, place or state change.
    ical_sequence: Mapped[int] = mapped_column(default=0)
    cancelled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    # Optimistic locking: two coordinators cannot silently overwrite each other.
    version: Mapped[int] = mapped_column(default=1)

    target_groups: Mapped[list[ProfessionalGroup]] = relationship(
        secondary=event_target_groups, order_by="ProfessionalGroup.position"
    )
    workshops: Mapped[list[Workshop]] = relationship(
        back_populates="event", order_by="(Workshop.slot, Workshop.title)"
    )

    __mapper_args__ = {"version_id_col": version}


class Workshop(TimestampMixin, db.Model):
    """A Forum inside an event: one per time slot per participant."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    facilitator: Mapped[str] = mapped_column(String(200), default="")
    room: Mapped[str] = mapped_column(String(100), default="")
    slot: Mapped[int] = mapped_column(default=1)
    start_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None]
    ical_sequence: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="workshops")


class RegistrationState(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  # guest has not confirmed the e-mail address yet
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    OFFERED = "offered"  # a freed place is held for this person until offer_expires_dt
    CANCELLED = "cancelled"


class Registration(TimestampMixin, db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "email"),
        Index("ix_registrations_event_state", "event_id", "state", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))  # lower-cased
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("professional_groups.id", ondelete="SET NULL")
    )
    employer_name: Mapped[str] = mapped_column(String(200), default="")
    school_name: Mapped[str] = mapped_column(String(200), default="")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[RegistrationState] = enum_column(RegistrationState)
    # A fresh nonce invalidates earlier personal links.
    token_nonce: Mapped[str] = mapped_column(String(32))
    offer_expires_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the reminder mail was queued, so that it goes out once.
    reminder_sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    group: Mapped[ProfessionalGroup | None] = relationship()
    workshop_choices: Mapped[list[WorkshopChoice]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )


class WorkshopChoice(db.Model):
    """A participant's pick for one slot; priority 2 is the second choice."""

    __tablename__ = "workshop_choices"
    __table_args__ = (
        UniqueConstraint("registration_id", "slot", "priority"),
        Index("ix_workshop_choices_workshop_state", "workshop_id", "is_assigned"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    slot: Mapped[int]
    priority: Mapped[int] = mapped_column(default=1)
    is_assigned: Mapped[bool] = mapped_column(default=False)

    registration: Mapped[Registration] = relationship(back_populates="workshop_choices")
    workshop: Mapped[Workshop] = relationship()
