"""Data protection records: proof of consent, erasure requests, legal pages, purge runs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netzwerk.accounts.models import User
from netzwerk.db import UTCDateTime, db, enum_column, utcnow
from netzwerk.members.models import Member


class ConsentPurpose(enum.StrEnum):
    NEWCOMER_APPLICATION = "newcomer"
    LIST_SUBSCRIPTION = "subscription"
    DIRECTORY_LISTING = "directory"
    EVENT_REGISTRATION = "registration"
    TOPIC_SUGGESTION = "topic"

    @property
    def label(self) -> str:
        return {
            "newcomer": "Anfrage über „Mitmachen“",
            "subscription": "E-Mail-Verteiler",
            "directory": "Eintrag im Netzwerkverzeichnis",
            "registration": "Anmeldung als Gast",
            "topic": "Themenvorschlag",
        }[self.value]


class ConsentRecord(db.Model):
    """Proof of consent (DSGVO Art. 7): who agreed to which text, when, from where."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    # After an erasure this holds a keyed hash ("pseudonym:..."), see privacy/erasure.py.
    email: Mapped[str] = mapped_column(String(254), index=True)
    purpose: Mapped[ConsentPurpose] = enum_column(ConsentPurpose)
    # e.g. the mailing list's id or the application's id
    subject_ref: Mapped[str] = mapped_column(String(80), default="")
    text_version: Mapped[str] = mapped_column(String(40))
    given_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    given_ip: Mapped[str] = mapped_column(String(45), default="")
    withdrawn_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the address was replaced by its pseudonym; deleted some years later.
    pseudonymised_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ErasureRequestState(enum.StrEnum):
    OPEN = "open"
    ERASED = "erased"
    CLOSED = "closed"  # settled without erasure, e.g. a duty to keep the data

    @property
    def label(self) -> str:
        return {"open": "offen", "erased": "gelöscht", "closed": "ohne Löschung erledigt"}[
            self.value
        ]


class ErasureRequest(db.Model):
    """A person's request to have their data erased (DSGVO Art. 17).

    Once settled, the address and name are cleared: what remains shows that a request
    came in and when it was answered (Art. 12 (3): within one month), not whose it was.
    """

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ErasureRequestState] = enum_column(
        ErasureRequestState, default=ErasureRequestState.OPEN, index=True
    )
    requested_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    member: Mapped[Member | None] = relationship()
    settled_by: Mapped[User | None] = relationship()

    @property
    def current_email(self) -> str:
        """The address to look the person up by: the member's present one if known."""
        return self.member.email if self.member else self.email


class LegalPage(db.Model):
    """Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit as the office wrote them.

    Without a row the page shows the built-in default text (templates/privacy/legal/).
    """

    __tablename__ = "legal_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # Markdown
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()


class PurgeRun(db.Model):
    """One run of `flask privacy purge`: when, and how many rows each step removed."""

    __tablename__ = "purge_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
