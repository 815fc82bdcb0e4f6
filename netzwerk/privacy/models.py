"""Proof of consent (DSGVO Art. 7): who agreed to which text, when, from where."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from netzwerk.db import UTCDateTime, db, enum_column, utcnow


class ConsentPurpose(enum.StrEnum):
    NEWCOMER_APPLICATION = "newcomer"
    LIST_SUBSCRIPTION = "subscription"
    DIRECTORY_LISTING = "directory"
    EVENT_REGISTRATION = "registration"
    TOPIC_SUGGESTION = "topic"


class ConsentRecord(db.Model):
    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    purpose: Mapped[ConsentPurpose] = enum_column(ConsentPurpose)
    # e.g. the mailing list's id or the application's id
    subject_ref: Mapped[str] = mapped_column(String(80), default="")
    text_version: Mapped[str] = mapped_column(String(40))
    given_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    given_ip: Mapped[str] = mapped_column(String(45), default="")
    withdrawn_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
