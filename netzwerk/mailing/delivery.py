"""Deliver what waits in the outbox: claim a batch, send it, record each result.

Several workers may run at once: a batch is claimed in its own short transaction
(FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write lock serialises claims), so no
message is claimed twice. Right before each send the worker renews its claim on that
one message and skips it if the claim was lost, so a stalled worker never repeats
what another one took over. A claim left by a killed worker is taken over after
MAIL_CLAIM_TIMEOUT; only the message that was in flight can then go out twice.

Files of a list message are attached here, at delivery time, from the message's
stored files: the fan-out then writes a few hundred bytes per recipient instead of
a copy of every flyer, and 5,000 copies of a 2 MB PDF never enter the database.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import socket
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import selectinload

from netzwerk.db import db, utcnow
from netzwerk.files import storage
from netzwerk.files.models import StoredFile
from netzwerk.mailing import mime
from netzwerk.mailing.models import (
    OutboxMessage,
    OutboxState,
    Subscription,
    list_message_files,
)
from netzwerk.mailing.outbox import single_line

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 8
# Messages of a batch the worker did not get to when the connection broke wait this long.
RELEASE_DELAY = timedelta(minutes=1)
# The worker keeps no ORM objects of the rows it updates; nothing in the session to sync.
_NO_SYNC = {"synchronize_session": False}


def claim_timeout() -> timedelta:
    value = current_app.config.get("MAIL_CLAIM_TIMEOUT", CLAIM_TIMEOUT)
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def worker_name() -> str:
    """Unique per batch: two workers in one process must not take each other's claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def claim_batch(size: int) -> list[int]:
    return _claim(size, worker_name())


def _claim(size: int, worker: str) -> list[int]:
    now = utcnow()
    query = (
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.state == OutboxState.QUEUED)
                & (OutboxMessage.next_attempt_dt <= now),
                (OutboxMessage.state == OutboxState.SENDING)
                & (OutboxMessage.claimed_dt < now - claim_timeout()),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.execute(query).scalars())
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(state=OutboxState.SENDING, claimed_by=worker, claimed_dt=now),
            execution_options=_NO_SYNC,
        )
    db.session.commit()
    return ids


@dataclass(frozen=True)
class Mail:
    """A message ready to be written out; the bytes are built right before the send,
    so that a batch never holds 500 copies of a flyer in memory at once."""

    headers: list[tuple[str, str]]
    text: str
    html: str | None
    attachments: list[mime.Part]
    domain: str

    def as_bytes(self) -> bytes:
        return mime.compose(
            headers=self.headers,
            text=self.text,
            html=self.html,
            attachments=self.attachments,
            message_id_domain=self.domain,
        )


def build_message(message: OutboxMessage, files: list[mime.Part] = ()) -> Mail:
    config = current_app.config
    default_name, sender_email = config["MAIL_DEFAULT_SENDER"]
    sender_name = single_line(message.sender_name or default_name)
    headers = [
        ("From", mime.address(sender_name, sender_email)),
        ("To", mime.address(message.to_name, message.to_email)),
        ("Subject", message.subject),
        ("Reply-To", message.reply_to),
        *(message.extra_headers or {}).items(),
    ]
    attachments = [
        mime.attachment_part(a.filename, a.content_type, a.data) for a in message.attachments
    ]
    return Mail(
        headers,
        message.body_text,
        message.body_html,
        [*attachments, *files],
        sender_email.rpartition("@")[2] or "localhost",
    )


def is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _connection_lost(exc: Exception) -> bool:
    """The server went away (as opposed to refusing this one message)."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421  # "service not available, closing channel"
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _record_failure(message: Outgoing, exc: Exception) -> None:
    from netzwerk.mailing.bounces import record_bounce

    attempts = message.attempts + 1
    permanent = is_permanent(exc)
    values = {
        "attempts": attempts,
        "last_error": f"{type(exc).__name__}: {exc}"[:1000],
        "claimed_by": None,
    }
    if permanent or attempts >= MAX_ATTEMPTS:
        values["state"] = OutboxState.FAILED
    else:
        values["state"] = OutboxState.QUEUED
        values["next_attempt_dt"] = utcnow() + timedelta(minutes=min(2 ** (attempts - 1), 360))
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message.id).values(values),
        execution_options=_NO_SYNC,
    )
    if permanent:
        record_bounce(message.to_email, values["last_error"])


# The statements run for every message, built once: constructing an UPDATE and passing
# it through the ORM cost more than SQLite took to run it.
_outbox = OutboxMessage.__table__
_subscriptions = Subscription.__table__
_MARK_SENT = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("sent_id"))
    .values(
        state=OutboxState.SENT,
        sent_dt=bindparam("sent_time", type_=_outbox.c.sent_dt.type),
        attempts=bindparam("new_attempts", type_=_outbox.c.attempts.type),
        last_error="",
        claimed_by=None,
    )
)
# A double opt-in request's proof names when the confirmation mail went out.
_CONFIRMATION_SENT = (
    update(_subscriptions)
    .where(_subscriptions.c.confirmation_message_id == bindparam("sent_id"))
    .values(confirmation_sent_dt=bindparam("sent_time", type_=_outbox.c.sent_dt.type))
)
_RENEW_CLAIM = (
    update(_outbox)
    .where(
        _outbox.c.id == bindparam("message_id"),
        _outbox.c.state == OutboxState.SENDING,
        _outbox.c.claimed_by == bindparam("worker"),
    )
    .values(claimed_dt=bindparam("now", type_=_outbox.c.claimed_dt.type))
)
# PostgreSQL: the same UPDATEs as one statement each (data-modifying WITH).
_SENT_AND_RENEW = _RENEW_CLAIM.add_cte(_MARK_SENT.cte("sent"))
_CONFIRMED_AND_RENEW = _RENEW_CLAIM.add_cte(
    _MARK_SENT.cte("sent"), _CONFIRMATION_SENT.cte("confirmed")
)
_CONFIRMED = _MARK_SENT.add_cte(_CONFIRMATION_SENT.cte("confirmed"))


class ResultLog:
    """Writes a batch's results on a connection of its own, in as few trips to the
    database as the guarantee allows.

    A sent message is recorded in the transaction that renews the claim on the next one,
    before that next send: after a crash only the message in flight can go out twice.
    On PostgreSQL both are one statement in autocommit mode, one round trip per message;
    through the session they were five (pool ping, BEGIN, two UPDATE, COMMIT), and
    delivery stayed under 300 a second. SQLite runs both UPDATEs in one transaction.
    """

    def __init__(self, worker: str):
        self.worker = worker
        self.sent: tuple[Outgoing, datetime] | None = None
        connection = db.engine.connect()
        self.one_statement = connection.dialect.name == "postgresql"
        if self.one_statement:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        self.connection = connection

    def renew_claim(self, message: Outgoing) -> bool:
        """Still ours? Renew the claim right before sending; another worker may have taken
        it. Records the previous message as sent in the same transaction."""
        params = {"message_id": message.id, "worker": self.worker, "now": utcnow()}
        statement = _RENEW_CLAIM
        if self.sent is not None:
            sent, params["sent_time"] = self.sent
            params.update(sent_id=sent.id, new_attempts=sent.attempts + 1)
            if self.one_statement:
                statement = _SENT_AND_RENEW if sent.is_list_mail else _CONFIRMED_AND_RENEW
            else:
                self._mark_sent(sent, params)
        owned = self.connection.execute(statement, params).rowcount == 1
        self.connection.commit()
        self.sent = None
        return owned

    def record_sent(self, message: Outgoing) -> None:
        """Written with the next claim, or by flush()."""
        self.sent = (message, utcnow())

    def flush(self) -> None:
        if self.sent is None:
            return
        sent, sent_time = self.sent
        params = {"sent_id": sent.id, "sent_time": sent_time, "new_attempts": sent.attempts + 1}
        if self.one_statement:
            self.connection.execute(_MARK_SENT if sent.is_list_mail else _CONFIRMED, params)
        else:
            self._mark_sent(sent, params)
        self.connection.commit()
        self.sent = None

    def _mark_sent(self, sent: Outgoing, params: dict) -> None:
        self.connection.execute(_MARK_SENT, params)
        if not sent.is_list_mail:
            self.connection.execute(_CONFIRMATION_SENT, params)

    def close(self) -> None:
        self.connection.close()


def _release(messages: list[Outgoing], worker: str) -> None:
    """Give messages not yet tried back to the queue, without counting an attempt."""
    if not messages:
        return
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_([m.id for m in messages]),
            OutboxMessage.state == OutboxState.SENDING,
            OutboxMessage.claimed_by == worker,
        )
        .values(
            state=OutboxState.QUEUED, claimed_by=None, next_attempt_dt=utcnow() + RELEASE_DELAY
        ),
        execution_options=_NO_SYNC,
    )


class Throttle:
    """MAIL_RATE_PER_MINUTE: at most that many messages a minute (unset: no limit)."""

    def __init__(self, per_minute: float | None = None):
        if per_minute is None:
            per_minute = current_app.config.get("MAIL_RATE_PER_MINUTE")
        self.interval = 60.0 / float(per_minute) if per_minute else 0.0
        self.last = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.last is not None and now - self.last < self.interval:
            time.sleep(self.interval - (now - self.last))
        self.last = time.monotonic()


@dataclass(frozen=True)
class Outgoing:
    """What the worker needs of a claimed message, detached from the session."""

    id: int
    to_email: str
    attempts: int
    mail: Mail | None
    is_list_mail: bool = False


def _load_batch(ids: list[int]) -> list[Outgoing]:
    """The claimed messages built as mails, list messages' files read once per batch."""
    messages = list(
        db.session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .options(selectinload(OutboxMessage.attachments))
            .order_by(OutboxMessage.id)
        ).scalars()
    )
    list_ids = {m.list_message_id for m in messages if m.list_message_id is not None}
    files: dict[int, list[mime.Part]] = {list_id: [] for list_id in list_ids}
    if list_ids:
        rows = db.session.execute(
            select(list_message_files.c.list_message_id, StoredFile)
            .join(StoredFile, StoredFile.id == list_message_files.c.file_id)
            .where(list_message_files.c.list_message_id.in_(list_ids))
            .order_by(StoredFile.id)
        ).all()
        for list_id, stored in rows:
            # Encoded once for the whole batch, not once per copy.
            part = mime.attachment_part(
                stored.filename, stored.content_type, storage.read_file(stored)
            )
            files[list_id].append(part)
    batch = [
        Outgoing(
            m.id,
            m.to_email,
            m.attempts,
            build_message(m, files.get(m.list_message_id, ())),
            is_list_mail=m.list_message_id is not None,
        )
        for m in messages
    ]
    # End the read: results are written with UPDATE statements, one short transaction
    # each, so SQLite's write lock is never held while the SMTP server answers.
    db.session.commit()
    return batch


@dataclass
class BatchResult:
    sent: int = 0
    problems: int = 0
    connection_lost: bool = False


def _deliver(size: int, throttle: Throttle) -> BatchResult:
    from netzwerk.mailing.transport import SMTPTransport

    result = BatchResult()
    worker = worker_name()
    ids = _claim(size, worker)
    if not ids:
        return result
    messages = _load_batch(ids)
    try:
        transport = SMTPTransport().__enter__()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("SMTP server unreachable: %s", exc)
        for message in messages:
            _record_failure(message, exc)
        db.session.commit()
        return BatchResult(problems=len(messages), connection_lost=True)
    _, sender_email = current_app.config["MAIL_DEFAULT_SENDER"]
    try:
        with closing(ResultLog(worker)) as results:
            for position, message in enumerate(messages):
                if throttle.interval:
                    results.flush()  # the previous result, before waiting
                    throttle.wait()
                if not results.renew_claim(message):
                    continue
                try:
                    transport.send(sender_email, message.to_email, message.mail.as_bytes())
                except (smtplib.SMTPException, OSError) as exc:
                    _record_failure(message, exc)
                    result.problems += 1
                    if _connection_lost(exc):
                        _release(messages[position + 1 :], worker)
                        result.connection_lost = True
                    db.session.commit()
                    if result.connection_lost:
                        break
                else:
                    results.record_sent(message)
                    result.sent += 1
            results.flush()
    finally:
        db.session.rollback()  # nothing of ours is pending; this just ends any read
        transport.__exit__(None, None, None)
    return result


def deliver_batch(size: int = 100) -> tuple[int, int]:
    """Send one claimed batch over one connection. Returns (sent, failed_or_retried)."""
    result = _deliver(size, Throttle())
    return result.sent, result.problems


def deliver_all(batch_size: int = 100) -> tuple[int, int]:
    total_sent = total_problems = 0
    throttle = Throttle()
    while True:
        result = _deliver(batch_size, throttle)
        total_sent += result.sent
        total_problems += result.problems
        if not result.sent and not result.problems:
            return total_sent, total_problems
        if result.connection_lost:
            # The server is gone or refuses everything; the rest waits for its retry time.
            return total_sent, total_problems
