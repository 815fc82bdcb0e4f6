"""Bouncing addresses: counted, suspended from list mail after a threshold, lifted by hand.

A permanent refusal (5xx) from the mail server counts as a bounce, and so does a
coordinator's report of a bounce that reached the office mailbox. After
MAIL_BOUNCE_THRESHOLD bounces the address gets no more list mail; transactional mail
(password reset, registrations) still goes out, since the person may need it.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from netzwerk.audit import record_audit
from netzwerk.core.urls import external_url
from netzwerk.db import db, utcnow
from netzwerk.mailing.models import EmailSuppression
from netzwerk.mailing.outbox import queue_mail

DEFAULT_THRESHOLD = 3


def bounce_threshold() -> int:
    return int(current_app.config.get("MAIL_BOUNCE_THRESHOLD", DEFAULT_THRESHOLD))


def _normalised(email: str) -> str:
    return email.strip().lower()


def suppression_for(email: str) -> EmailSuppression | None:
    return db.session.execute(
        select(EmailSuppression).where(EmailSuppression.email == _normalised(email))
    ).scalar_one_or_none()


def _get_or_create(email: str) -> EmailSuppression:
    suppression = suppression_for(email)
    if suppression is not None:
        return suppression
    try:
        # Two workers may see the first bounce of an address at the same moment.
        with db.session.begin_nested():
            suppression = EmailSuppression(email=_normalised(email), bounce_count=0)
            db.session.add(suppression)
    except IntegrityError:
        suppression = suppression_for(email)
    return suppression


def record_bounce(email: str, reason: str, *, notify: bool = True) -> EmailSuppression:
    """Count one bounce; suspend at the threshold and tell the office (notify)."""
    suppression = _get_or_create(email)
    suppression.bounce_count += 1
    suppression.reason = reason[:1000]
    suppression.last_bounce_dt = utcnow()
    if suppression.suspended_dt is None and suppression.bounce_count >= bounce_threshold():
        suppression.suspended_dt = utcnow()
        if notify:
            _tell_office(suppression)
    db.session.flush()
    return suppression


def _tell_office(suppression: EmailSuppression) -> None:
    queue_mail(
        to_email=current_app.config["OFFICE_EMAIL"],
        subject=f"Unzustellbare Adresse gesperrt: {suppression.email}",
        template="bounce_suspended",
        email=suppression.email,
        bounce_count=suppression.bounce_count,
        reason=suppression.reason,
        link=external_url("mailing_messages.suppressions"),
    )


def mark_bouncing(email: str, reason: str, *, suspend_now: bool) -> EmailSuppression:
    """A coordinator reports a bounce (e.g. one that came back to the office mailbox)."""
    reason = reason.strip() or "Von der Koordinierung als unzustellbar gemeldet."
    suppression = record_bounce(email, reason, notify=False)
    if suspend_now and suppression.suspended_dt is None:
        suppression.suspended_dt = utcnow()
    record_audit(
        "mark_bouncing",
        "email_suppression",
        suppression.id,
        f"{suppression.email}: {suppression.bounce_count} Rückläufer"
        + (", gesperrt" if suppression.suspended_dt else ""),
    )
    db.session.flush()
    return suppression


def lift_suspension(suppression: EmailSuppression) -> None:
    """The address works again (the person told the office): count from zero."""
    suppression.suspended_dt = None
    suppression.bounce_count = 0
    record_audit("lift_suspension", "email_suppression", suppression.id, suppression.email)
    db.session.flush()


def suspended_emails(emails) -> set[str]:
    """Which of these addresses are suspended, in one query."""
    wanted = {_normalised(e) for e in emails}
    if not wanted:
        return set()
    return set(
        db.session.execute(
            select(EmailSuppression.email).where(
                EmailSuppression.email.in_(wanted), EmailSuppression.suspended_dt.is_not(None)
            )
        ).scalars()
    )
