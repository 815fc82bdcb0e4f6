"""Applications of newcomers who want to join the network (/mitmachen)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netzwerk.db import TimestampMixin, UTCDateTime, db, enum_column
from netzwerk.members.models import EmployerKind, ProfessionalGroup


class ApplicationState(enum.StrEnum):
    PENDING = "pending"  # waiting for the applicant to confirm the e-mail address
    CONFIRMED = "confirmed"  # in the coordinator's queue
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {
            "pending": "E-Mail unbestätigt",
            "confirmed": "Wartet auf Entscheidung",
            "accepted": "Aufgenommen",
            "declined": "Abgelehnt",
        }[self.value]


class Application(TimestampMixin, db.Model):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[ApplicationState] = enum_column(
        ApplicationState, default=ApplicationState.PENDING, index=True
    )
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(50), default="")
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("professional_groups.id", ondelete="SET NULL")
    )
    school_name: Mapped[str] = mapped_column(String(200), default="")
    employer_kind: Mapped[EmployerKind | None] = enum_column(EmployerKind, nullable=True)
    employer_name: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    consent_text_version: Mapped[str] = mapped_column(String(40))
    request_ip: Mapped[str] = mapped_column(String(45), default="")
    confirmation_sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_ip: Mapped[str] = mapped_column(String(45), default="")
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    group: Mapped[ProfessionalGroup | None] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
