"""Read the platform's mailbox (IMAP or POP3): bounce reports and unsubscribe mails.

A mail server that accepted a list mail may still bounce it later with a delivery
status notification (RFC 3464). Each permanent failure in such a report counts as a
bounce (and suspends the address at the threshold, telling the office); unsubscribe
mails sent through the List-Unsubscribe mailto are carried out. Mails this code does
not understand stay in the mailbox, unread, for a person to look at.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import imaplib
import poplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

from flask import current_app

from netzwerk.core.tokens import InvalidToken
from netzwerk.db import db
from netzwerk.mailing.bounces import record_bounce
from netzwerk.mailing.lists import unsubscribe_by_office
from netzwerk.mailing.models import MailingList
from netzwerk.mailing.tokens import read_unsubscribe_token

BOUNCE = "bounce"
UNSUBSCRIBE = "unsubscribe"
_UNSUBSCRIBE_SUBJECT = re.compile(r"\bAbmelden\s+\S+\s+(\S+)\s*$")


def permanent_failures(message: Message) -> list[tuple[str, str]]:
    """(address, reason) for each recipient a delivery status report says failed for good.

    Delays (Action: delayed) and temporary failures (Status 4.x.x) are not bounces.
    """
    if message.get_content_type() != "multipart/report":
        return []
    failures = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload():
            action = str(block.get("Action", "")).strip().lower()
            status = str(block.get("Status", "")).strip()
            recipient = str(block.get("Final-Recipient", block.get("Original-Recipient", "")))
            address = recipient.partition(";")[2].strip() or recipient.strip()
            if action != "failed" or not status.startswith("5") or "@" not in address:
                continue
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
            failures.append((address, f"Rückläufer {status}: {diagnostic}".strip()))
    return failures


def _unsubscribe_request(message: Message) -> tuple[int, str] | None:
    match = _UNSUBSCRIBE_SUBJECT.search(" ".join(str(message.get("Subject", "")).split()))
    if match is None:
        return None
    try:
        return read_unsubscribe_token(match.group(1))
    except InvalidToken:
        return None


def handle_mail(raw: bytes) -> str | None:
    """Act on one mail from the mailbox: BOUNCE, UNSUBSCRIBE, or None (left for a person)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    failures = permanent_failures(message)
    if failures:
        for address, reason in failures:
            record_bounce(address, reason)
        return BOUNCE
    request = _unsubscribe_request(message)
    if request is not None:
        list_id, address = request
        mailing_list = db.session.get(MailingList, list_id)
        if mailing_list is not None:
            unsubscribe_by_office(mailing_list, address)
        return UNSUBSCRIBE
    return None


@dataclass
class InboxResult:
    bounces: int = 0
    unsubscribes: int = 0
    left: int = 0
    handled: list = field(default_factory=list)


def _config(key: str, default=None):
    return current_app.config.get(f"MAIL_INBOX_{key}", default)


class IMAPInbox:
    """Unread mails of one folder; handled ones are marked read."""

    def __enter__(self):
        host, port = _config("SERVER"), _config("PORT")
        timeout = _config("TIMEOUT", 30)
        if _config("USE_SSL", True):
            context = ssl.create_default_context(cafile=_config("CA_FILE"))
            self.conn = imaplib.IMAP4_SSL(host, port or 993, ssl_context=context, timeout=timeout)
        else:
            self.conn = imaplib.IMAP4(host, port or 143, timeout=timeout)
        self.conn.login(_config("USERNAME"), _config("PASSWORD"))
        self.conn.select(_config("FOLDER", "INBOX"))
        return self

    def mails(self) -> Iterator[tuple[bytes, bytes]]:
        _, data = self.conn.search(None, "UNSEEN")
        for number in data[0].split():
            # BODY.PEEK leaves the mail unread until we know we have handled it.
            _, parts = self.conn.fetch(number, "(BODY.PEEK[])")
            yield number, next(p[1] for p in parts if isinstance(p, tuple))

    def done(self, key: bytes) -> None:
        self.conn.store(key, "+FLAGS", "\\Seen")

    def __exit__(self, *exc):
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self.conn.logout()
        return False


class POP3Inbox:
    """All mails in the mailbox; handled ones are deleted (POP3 has no read flag)."""

    def __enter__(self):
        host, port = _config("SERVER"), _config("PORT")
        timeout = _config("TIMEOUT", 30)
        if _config("USE_SSL", True):
            context = ssl.create_default_context(cafile=_config("CA_FILE"))
            self.conn = poplib.POP3_SSL(host, port or 995, context=context, timeout=timeout)
        else:
            self.conn = poplib.POP3(host, port or 110, timeout=timeout)
        self.conn.user(_config("USERNAME"))
        self.conn.pass_(_config("PASSWORD"))
        return self

    def mails(self) -> Iterator[tuple[int, bytes]]:
        count, _ = self.conn.stat()
        for number in range(1, count + 1):
            _, lines, _ = self.conn.retr(number)
            yield number, b"\r\n".join(lines) + b"\r\n"

    def done(self, key: int) -> None:
        self.conn.dele(key)

    def __exit__(self, *exc):
        with contextlib.suppress(poplib.error_proto, OSError):
            self.conn.quit()  # only QUIT carries out the deletions
        return False


def open_inbox():
    protocol = (_config("PROTOCOL") or "imap").lower()
    if protocol not in ("imap", "pop3"):
        raise ValueError("MAIL_INBOX_PROTOCOL muss „imap“ oder „pop3“ sein.")
    return IMAPInbox() if protocol == "imap" else POP3Inbox()


def read_inbox() -> InboxResult:
    """Handle every waiting mail, commit, then mark the handled ones in the mailbox.

    The commit comes first: should the mailbox then fail, a mail is read twice (a bounce
    counted twice) rather than a bounce or an unsubscribe lost.
    """
    result = InboxResult()
    with open_inbox() as inbox:
        handled = []
        for key, raw in inbox.mails():
            kind = handle_mail(raw)
            if kind is None:
                result.left += 1
                continue
            handled.append(key)
            if kind == BOUNCE:
                result.bounces += 1
            else:
                result.unsubscribes += 1
        db.session.commit()
        for key in handled:
            inbox.done(key)
        result.handled = handled
    return result
