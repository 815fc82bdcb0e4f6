"""Quality circles (Qualitätszirkel): members, recurring meetings, minutes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netzwerk.accounts.models import User
from netzwerk.db import TimestampMixin, UTCDateTime, db, enum_column
from netzwerk.files.models import StoredFile
from netzwerk.members.models import District, Member, SchoolForm


class CircleKind(enum.StrEnum):
    SCHOOL_FORM = "schulform"
    DISTRICT = "sozialraum"
    THEMATIC = "thematisch"

    @property
    def label(self) -> str:
        return CIRCLE_KIND_LABELS[self]


CIRCLE_KIND_LABELS = {
    CircleKind.SCHOOL_FORM: "schulformbezogen",
    CircleKind.DISTRICT: "sozialraumorientiert",
    CircleKind.THEMATIC: "thematisch",
}


class CircleRole(enum.StrEnum):
    MODERATOR = "moderator"
    MEMBER = "member"


class MembershipState(enum.StrEnum):
    REQUESTED = "requested"
    ACTIVE = "active"


class Circle(TimestampMixin, db.Model):
    __tablename__ = "circles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[CircleKind] = enum_column(CircleKind)
    school_form: Mapped[SchoolForm | None] = enum_column(SchoolForm, nullable=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text, default="")
    is_open: Mapped[bool] = mapped_column(default=True)
    default_location: Mapped[str] = mapped_column(String(300), default="")
    # The recurring schedule as an RFC 5545 RRULE (without the "RRULE:" prefix),
    # starting at schedule_start_dt and lasting schedule_minutes each time.
    schedule_rrule: Mapped[str] = mapped_column(String(300), default="")
    schedule_start_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    schedule_minutes: Mapped[int] = mapped_column(default=120)
    ical_sequence: Mapped[int] = mapped_column(default=0)

    district: Mapped[District | None] = relationship()
    memberships: Mapped[list[CircleMembership]] = relationship(
        back_populates="circle", cascade="all, delete-orphan"
    )


class CircleMembership(TimestampMixin, db.Model):
    __tablename__ = "circle_memberships"
    __table_args__ = (UniqueConstraint("circle_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[CircleRole] = enum_column(CircleRole, default=CircleRole.MEMBER)
    state: Mapped[MembershipState] = enum_column(MembershipState, default=MembershipState.ACTIVE)

    circle: Mapped[Circle] = relationship(back_populates="memberships")
    member: Mapped[Member] = relationship()


class CircleMeeting(TimestampMixin, db.Model):
    """A meeting that differs from the schedule or stands alone.

    With recurrence_dt set it overrides (moves or skips) the occurrence that the
    schedule would put at that time; without, it is a one-off meeting.
    """

    __tablename__ = "circle_meetings"
    __table_args__ = (UniqueConstraint("circle_id", "recurrence_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    recurrence_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    end_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(300), default="")
    is_skipped: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(500), default="")
    ical_sequence: Mapped[int] = mapped_column(default=0)

    circle: Mapped[Circle] = relationship()


class AttendanceAnswer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"

    @property
    def label(self) -> str:
        return ATTENDANCE_LABELS[self]


ATTENDANCE_LABELS = {
    AttendanceAnswer.YES: "Ich komme",
    AttendanceAnswer.NO: "Ich komme nicht",
    AttendanceAnswer.MAYBE: "Vielleicht",
}


class MeetingResponse(db.Model):
    """Whether a member comes to a meeting (occurrence identified by its start)."""

    __tablename__ = "meeting_responses"
    __table_args__ = (UniqueConstraint("circle_id", "occurrence_dt", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    occurrence_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    answer: Mapped[AttendanceAnswer] = enum_column(AttendanceAnswer)


minutes_files = Table(
    "minutes_files",
    db.metadata,
    Column("minutes_id", ForeignKey("minutes.id", ondelete="CASCADE"), primary_key=True),
    Column("file_id", ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True),
)


class Minutes(TimestampMixin, db.Model):
    """The Protokoll of one meeting."""

    __tablename__ = "minutes"
    __table_args__ = (UniqueConstraint("circle_id", "occurrence_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    occurrence_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)
    agreed_actions: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    circle: Mapped[Circle] = relationship()
    author: Mapped[User | None] = relationship()
    files: Mapped[list[StoredFile]] = relationship(
        secondary=minutes_files, order_by=StoredFile.filename
    )
