"""Deliver what waits in the outbox: claim a batch, send it, record each result.

Several workers may run at once: a batch is claimed in its own short transaction
(FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write lock serialises claims),
so no message is claimed twice. A claim left by a killed worker is taken over
after CLAIM_TIMEOUT; only the message that was in flight can then go out twice.
"""

import logging
import os
import smtplib
import socket
from datetime import timedelta
from email.utils import formataddr

from flask import current_app
from flask_mail import Message
from sqlalchemy import or_, select

from netzwerk.db import db, utcnow
from netzwerk.mailing.models import OutboxMessage, OutboxState
from netzwerk.mailing.outbox import single_line
from netzwerk.mailing.transport import SMTPTransport

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 8


def claim_batch(size: int) -> list[int]:
    now = utcnow()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    query = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.state == OutboxState.QUEUED)
                & (OutboxMessage.next_attempt_dt <= now),
                (OutboxMessage.state == OutboxState.SENDING)
                & (OutboxMessage.claimed_dt < now - CLAIM_TIMEOUT),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    messages = db.session.execute(query).scalars().all()
    for message in messages:
        message.state = OutboxState.SENDING
        message.claimed_by = worker
        message.claimed_dt = now
    ids = [m.id for m in messages]
    db.session.commit()
    return ids


def build_message(message: OutboxMessage) -> Message:
    config = current_app.config
    default_name, sender_email = config["MAIL_DEFAULT_SENDER"]
    sender_name = single_line(message.sender_name or default_name)
    mail = Message(
        subject=single_line(message.subject),
        recipients=[formataddr((single_line(message.to_name), message.to_email), "utf-8")],
        body=message.body_text,
        html=message.body_html,
        sender=formataddr((sender_name, sender_email), "utf-8"),
        reply_to=single_line(message.reply_to) or None,
        extra_headers=dict(message.extra_headers or {}),
        charset="utf-8",
    )
    for attachment in message.attachments:
        mail.attach(attachment.filename, attachment.content_type, attachment.data)
    return mail


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _record_failure(message: OutboxMessage, exc: Exception) -> None:
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
    message.claimed_by = None
    if _is_permanent(exc) or message.attempts >= MAX_ATTEMPTS:
        message.state = OutboxState.FAILED
    else:
        message.state = OutboxState.QUEUED
        backoff = timedelta(minutes=min(2 ** (message.attempts - 1), 360))
        message.next_attempt_dt = utcnow() + backoff


def deliver_batch(size: int = 100) -> tuple[int, int]:
    """Send one claimed batch over one connection. Returns (sent, failed_or_retried)."""
    ids = claim_batch(size)
    if not ids:
        return 0, 0
    sent = problems = 0
    _, sender_email = current_app.config["MAIL_DEFAULT_SENDER"]
    try:
        transport = SMTPTransport().__enter__()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("SMTP server unreachable: %s", exc)
        for message_id in ids:
            _record_failure(db.session.get(OutboxMessage, message_id), exc)
        db.session.commit()
        return 0, len(ids)
    try:
        for message_id in ids:
            message = db.session.get(OutboxMessage, message_id)
            try:
                mime = build_message(message).as_bytes()
                transport.send(sender_email, message.to_email, mime)
            except (smtplib.SMTPException, OSError) as exc:
                _record_failure(message, exc)
                problems += 1
            else:
                message.state = OutboxState.SENT
                message.sent_dt = utcnow()
                message.attempts += 1
                sent += 1
            # Record each result at once: a crash later must not send this one again.
            db.session.commit()
    finally:
        transport.__exit__(None, None, None)
    return sent, problems


def deliver_all(batch_size: int = 100) -> tuple[int, int]:
    total_sent = total_problems = 0
    while True:
        sent, problems = deliver_batch(batch_size)
        if not sent and not problems:
            return total_sent, total_problems
        total_sent += sent
        total_problems += problems
        if problems and not sent:
            # The server refuses everything right now; the rest waits for its retry time.
            return total_sent, total_problems
