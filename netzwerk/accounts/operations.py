"""Account verbs: authenticate, reset and set passwords, invite, create coordinators.

Operations flush and never commit; the request (or CLI command) commits once.
"""

from flask import current_app, url_for
from sqlalchemy import select

from netzwerk.accounts.models import Role, User, spend_password_check_time
from netzwerk.accounts.throttle import clear_failures, is_throttled, record_failure
from netzwerk.core.tokens import InvalidToken, make_token, read_token
from netzwerk.db import db, utcnow
from netzwerk.mailing.outbox import queue_mail
from netzwerk.members.models import Member

RESET_PURPOSE = "password-reset"
INVITE_PURPOSE = "invitation"


class LoginThrottled(Exception):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def authenticate(email: str, password: str, ip: str) -> User | None:
    """The user for these credentials, or None. Raises LoginThrottled after too many failures."""
    if is_throttled(email, ip):
        raise LoginThrottled()
    user = find_user_by_email(email)
    if user is None:
        spend_password_check_time()
    if user is None or not user.is_enabled or not user.check_password(password):
        record_failure(email, ip)
        return None
    clear_failures(email)
    user.last_login_dt = utcnow()
    return user


def _password_token(user: User, purpose: str) -> str:
    # The password generation is part of the token: setting a password spends it.
    stamp = user.password_changed_dt.isoformat() if user.password_changed_dt else ""
    return make_token(purpose, {"user": user.id, "stamp": stamp})


def user_for_password_token(token: str, purpose: str) -> User:
    max_age = current_app.config[
        "PASSWORD_RESET_MAX_AGE" if purpose == RESET_PURPOSE else "INVITATION_MAX_AGE"
    ]
    data = read_token(purpose, token, max_age)
    user = db.session.get(User, data.get("user"))
    stamp = user.password_changed_dt.isoformat() if user and user.password_changed_dt else ""
    if user is None or not user.is_enabled or stamp != data.get("stamp"):
        raise InvalidToken()
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an account; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_enabled:
        return
    link = url_for(
        "accounts.set_password",
        token=_password_token(user, RESET_PURPOSE),
        purpose="reset",
        _external=True,
    )
    queue_mail(
        to_email=user.email,
        to_name=user.name,
        subject="Passwort zurücksetzen",
        template="password_reset",
        link=link,
        hours=int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 3600),
    )


def set_password_with_token(token: str, purpose: str, password: str) -> User:
    user = user_for_password_token(token, purpose)
    user.set_password(password)
    clear_failures(user.email)
    db.session.flush()
    return user


def invite_member(member: Member) -> User:
    """Give the member an account (if none) and mail a link to set the password."""
    user = member.user
    if user is None:
        user = find_user_by_email(member.email)
    if user is None:
        user = User(email=member.email, name=member.full_name, role=Role.MEMBER)
        db.session.add(user)
    member.user = user
    member.invited_dt = utcnow()
    db.session.flush()
    link = url_for(
        "accounts.set_password",
        token=_password_token(user, INVITE_PURPOSE),
        purpose="einladung",
        _external=True,
    )
    queue_mail(
        to_email=user.email,
        to_name=user.name,
        subject="Einladung in das Netzwerk Schulsozialarbeit",
        template="invitation",
        link=link,
        days=current_app.config["INVITATION_MAX_AGE"].days,
    )
    return user


def create_coordinator(email: str, name: str, password: str) -> User:
    user = find_user_by_email(email)
    if user is None:
        user = User(email=normalise_email(email), name=name)
        db.session.add(user)
    user.name = name
    user.role = Role.COORDINATOR
    user.is_enabled = True
    user.set_password(password)
    db.session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str) -> bool:
    if not user.check_password(current_password):
        return False
    user.set_password(new_password)
    db.session.flush()
    return True
