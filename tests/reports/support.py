"""Helpers for the dashboard and report tests: rows stored directly, and readers for what the
page, the CSV file and the PDF show."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

from pypdf import PdfReader

from netzwerk.core.timeutil import berlin_to_utc
from netzwerk.db import db, utcnow
from netzwerk.events.models import Event, Workshop
from netzwerk.mailing.models import (
    EmailSuppression,
    ListMessage,
    ListMessageState,
    OutboxMessage,
    OutboxState,
)
from netzwerk.newcomers.models import Application, ApplicationState
from netzwerk.topics.models import TopicState, TopicSuggestion
from tests import factories


def berlin(*args) -> datetime:
    """A Berlin wall-clock time as aware UTC: berlin(2024, 12, 31, 23, 30)."""
    return berlin_to_utc(datetime(*args))


# --- rows stored directly ------------------------------------------------------------------


def past_event(start: datetime, *, members=(), attended=(), cancelled=(), **kwargs) -> Event:
    """An event that took place at `start`: registered while ahead, then moved back.

    members register in order (the real operation: confirmed, or waiting when full);
    those in attended are marked as present; those in cancelled register and cancel.
    A draft or cancelled event gets its state after the registrations.
    """
    from netzwerk.events.models import EventState
    from netzwerk.events.operations import cancel_registration

    state = kwargs.pop("state", EventState.PUBLISHED)  # drafts and cancelled ones: afterwards
    event = factories.make_event(days_ahead=30, **kwargs)
    for member in members:
        factories.make_registration(event, member, attended=member in attended)
    for member in cancelled:
        cancel_registration(factories.make_registration(event, member), by_office=True)
    duration = event.end_dt - event.start_dt
    event.start_dt, event.end_dt = start, start + duration
    event.state = state
    db.session.commit()
    return event


def add_workshop(event: Event, title: str = "Forum") -> Workshop:
    workshop = Workshop(event_id=event.id, title=title, slot=1)
    db.session.add(workshop)
    db.session.commit()
    return workshop


def make_topic(state=TopicState.SUBMITTED, created=None, **fields) -> TopicSuggestion:
    topic = TopicSuggestion(
        title=fields.pop("title", f"Thema {state.value}"),
        state=state,
        created_dt=created or utcnow(),
        suggester_name="Test",
        **fields,
    )
    db.session.add(topic)
    db.session.commit()
    return topic


def make_application(state=ApplicationState.CONFIRMED, confirmed=None) -> Application:
    n = db.session.query(Application).count() + 1
    application = Application(
        state=state,
        first_name="Jonas",
        last_name=f"Weber{n}",
        email=f"bewerbung{n}@example.org",
        consent_text_version="2026-11",
        confirmation_sent_dt=utcnow(),
    )
    if state != ApplicationState.PENDING:
        application.confirmed_dt = confirmed or utcnow()
    db.session.add(application)
    db.session.commit()
    return application


def make_outbox(state=OutboxState.SENT, *, list_message=None, due=None, **fields):
    message = OutboxMessage(
        state=state,
        to_email=fields.pop("to_email", "empfaenger@example.org"),
        subject=fields.pop("subject", "Betreff"),
        body_text="Text",
        list_message_id=list_message.id if list_message else None,
        next_attempt_dt=due or utcnow(),
        **fields,
    )
    db.session.add(message)
    db.session.commit()
    return message


def make_suppression(email: str, *, bounces: int, suspended: bool) -> EmailSuppression:
    suppression = EmailSuppression(
        email=email,
        bounce_count=bounces,
        suspended_dt=utcnow() if suspended else None,
        reason="550 unbekannt",
    )
    db.session.add(suppression)
    db.session.commit()
    return suppression


def make_list_message(
    mailing_list, *, sent=None, recipients=0, state=ListMessageState.SENT, subject="Rundbrief"
):
    message = ListMessage(
        list_id=mailing_list.id,
        subject=subject,
        body="Hallo",
        state=state,
        sent_dt=sent,
        recipient_count=recipients,
    )
    db.session.add(message)
    db.session.commit()
    return message


def days_ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


# --- what the page shows -------------------------------------------------------------------


class _Tables(HTMLParser):
    """Each <table> by its caption: the rows as lists of cell texts (header row included)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption = None
        self._rows = None
        self._cell = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._caption, self._rows = "", []
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[" ".join(self._caption.split())] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._in_caption:
            self._caption += data
        elif self._cell is not None:
            self._cell += data


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def csv_blocks(data: bytes) -> dict[str, list[list[str]]]:
    """The CSV file's blocks by their title line: header row and data rows."""
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    blocks: dict[str, list[list[str]]] = {}
    current = None
    for row in rows:
        if not row:
            current = None
        elif current is None and len(row) == 1:
            current = row[0]
            blocks[current] = []
        elif current is not None and not row[0].startswith("Hinweis:"):
            blocks[current].append(row)
    blocks["_kopf"] = [row for row in rows[:3] if row]
    return blocks


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(" ".join(page.extract_text().split(" ")) for page in reader.pages)


def pdf_lines(data: bytes) -> set[str]:
    return {re.sub(r"\s+", " ", line).strip() for line in pdf_text(data).splitlines()}
