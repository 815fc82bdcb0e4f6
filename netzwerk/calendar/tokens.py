"""The secret in a member's personal feed URL: renewing it revokes the old URL at once."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from netzwerk.accounts.models import User
from netzwerk.db import db

TOKEN_BYTES = 32  # 43 characters in the URL
MAX_TOKEN_LENGTH = 64  # the column's length; longer input cannot match


def renew_calendar_token(user: User) -> str:
    """A fresh secret for the personal feed; the previous URL stops working."""
    user.calendar_token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.flush()
    return user.calendar_token


def coordinator_for_calendar_token(token: str) -> User | None:
    """The owner of a planning feed URL, if the account is enabled and still a coordinator."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    user = db.session.execute(
        select(User).where(User.calendar_token == token)
    ).scalar_one_or_none()
    if user is None or not user.is_enabled or not user.is_coordinator:
        return None
    return user


def user_for_calendar_token(token: str) -> User | None:
    """The owner of a feed URL, if the account and the member profile are still active."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    user = db.session.execute(
        select(User).where(User.calendar_token == token).options(joinedload(User.member))
    ).scalar_one_or_none()
    if user is None or not user.is_enabled or user.member is None:
        return None
    if not user.member.is_active:
        return None
    return user
