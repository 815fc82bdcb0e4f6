"""Accounts: who may log in, with which role."""

from __future__ import annotations

import enum
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from netzwerk.db import TimestampMixin, UTCDateTime, db, enum_column, utcnow

if TYPE_CHECKING:
    from netzwerk.members.models import Member


@cache
def _dummy_hash() -> str:
    return generate_password_hash("dummy password for constant-time checks")


def spend_password_check_time() -> None:
    """Take as long as a real password check, so timing does not reveal unknown addresses."""
    check_password_hash(_dummy_hash(), "not the password")


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return {"coordinator": "Koordinierung", "member": "Mitglied"}[self.value]


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = enum_column(Role, default=Role.MEMBER)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Changes whenever the password is set: invalidates reset links and other sessions.
    password_changed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised on logout: cookie sessions are stateless, so a copied session or remember-me
    # cookie would otherwise outlive the logout. Logging out ends this account's sessions
    # on every device.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Secret part of the personal calendar feed URL; renewing it revokes the old URL.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    member: Mapped[Member | None] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.password_changed_dt = utcnow()

    def check_password(self, password: str) -> bool:
        if self.password_hash is None:
            return False
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """Every session and remember-me cookie issued so far stops working."""
        self.session_version = (self.session_version or 0) + 1

    def get_id(self) -> str:
        # The session names the password generation too, so a password change
        # (or reset) ends every other session of this account. Microseconds, because
        # a change within the same second as the previous one must end sessions too.
        # The session version does the same for a logout.
        changed = self.password_changed_dt
        stamp = round(changed.timestamp() * 1_000_000) if changed else 0
        return f"{self.id}:{stamp}:{self.session_version or 0}"


class LoginAttempt(db.Model):
    """Failed logins, counted in the database so throttling holds across workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_dt", "key", "attempt_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    attempt_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(db.Model):
    """Who did what to whose personal data, and when."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(500), default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
