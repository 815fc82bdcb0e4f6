"""Login throttling, counted in the database so that it holds across worker processes."""

from flask import current_app
from sqlalchemy import delete, func, select

from netzwerk.accounts.models import LoginAttempt
from netzwerk.db import db, utcnow


def _keys(email: str, ip: str) -> tuple[str, str]:
    return f"email:{email.strip().lower()}", f"ip:{ip}"


def is_throttled(email: str, ip: str) -> bool:
    config = current_app.config
    since = utcnow() - config["LOGIN_FAILURE_WINDOW"]
    email_key, ip_key = _keys(email, ip)
    counts = dict(
        db.session.execute(
            select(LoginAttempt.key, func.count())
            .where(LoginAttempt.key.in_([email_key, ip_key]), LoginAttempt.attempt_dt >= since)
            .group_by(LoginAttempt.key)
        ).all()
    )
    return (
        counts.get(email_key, 0) >= config["LOGIN_MAX_FAILURES"]
        or counts.get(ip_key, 0) >= config["LOGIN_MAX_FAILURES_PER_IP"]
    )


def record_failure(email: str, ip: str) -> None:
    for key in _keys(email, ip):
        db.session.add(LoginAttempt(key=key))
    db.session.flush()


def clear_failures(email: str) -> None:
    email_key, _ = _keys(email, "")
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == email_key))


def purge_old_attempts() -> None:
    cutoff = utcnow() - current_app.config["LOGIN_FAILURE_WINDOW"]
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.attempt_dt < cutoff))
