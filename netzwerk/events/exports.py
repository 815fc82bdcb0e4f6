"""The participant list of one event as CSV: for Excel (BOM, semicolons) or plain (RFC 4180)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select

from netzwerk.audit import record_audit
from netzwerk.core.timeutil import utc_to_berlin
from netzwerk.db import db
from netzwerk.events.desk_operations import (
    assigned_workshops,
    is_attended,
    name_sort_key,
    state_label,
    with_participant_details,
)
from netzwerk.events.models import Event, Registration, RegistrationState
from netzwerk.members.transfer_csv import export_cell, write_csv

# What the coordinator filters by: the registration states, with "attended" split off
# from "confirmed" as the coordinator's list shows it.
STATUS_CHOICES = {
    "confirmed": "Bestätigt (noch nicht anwesend)",
    "attended": "Anwesend",
    "waiting": "Warteliste",
    "offered": "Platz angeboten",
    "unconfirmed": "E-Mail-Adresse nicht bestätigt",
    "cancelled": "Abgemeldet",
}
DEFAULT_STATUSES = ("confirmed", "attended")
ALL_STATUSES = "alle"

FIXED_HEADER_START = ["Nachname", "Vorname", "E-Mail", "Berufsgruppe", "Träger", "Schule"]
FIXED_HEADER_END = ["Angemeldet am", "Anwesend"]


def parse_statuses(values: list[str]) -> tuple[str, ...]:
    """The statuses asked for in the query string; unknown ones are ignored."""
    if ALL_STATUSES in values:
        return tuple(STATUS_CHOICES)
    chosen = tuple(key for key in STATUS_CHOICES if key in values)
    return chosen or DEFAULT_STATUSES


def _status_key(registration: Registration) -> str:
    return "attended" if is_attended(registration) else registration.state.value


def registrations_for_export(event_id: int, statuses: tuple[str, ...]) -> list[Registration]:
    states = {
        RegistrationState.CONFIRMED if key == "attended" else RegistrationState(key)
        for key in statuses
    }
    query = select(Registration).where(
        Registration.event_id == event_id, Registration.state.in_(list(states))
    )
    registrations = db.session.execute(with_participant_details(query)).scalars().all()
    chosen = [r for r in registrations if _status_key(r) in statuses]
    return sorted(chosen, key=name_sort_key)


def _workshop_cell(registration: Registration) -> str:
    if registration.state == RegistrationState.CONFIRMED:
        return " | ".join(w.title for w in assigned_workshops(registration))
    wishes = sorted(
        (c for c in registration.workshop_choices if c.priority == 1), key=lambda c: c.slot
    )
    return " | ".join(f"Wunsch: {c.workshop.title}" for c in wishes)


def answer_text(value) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _questions(event: Event) -> list[dict]:
    return [q for q in (event.questions or []) if isinstance(q, dict) and q.get("key")]


def participant_header(event: Event) -> list[str]:
    labels = [str(q.get("label") or q["key"]) for q in _questions(event)]
    return FIXED_HEADER_START + ["Status", "Workshops", *labels, *FIXED_HEADER_END]


def participant_cells(event: Event, registration: Registration) -> list[str]:
    answers = registration.answers or {}
    return [
        registration.last_name,
        registration.first_name,
        registration.email,
        registration.group.name if registration.group else "",
        registration.employer_name,
        registration.school_name,
        state_label(registration),
        _workshop_cell(registration),
        *(answer_text(answers.get(q["key"])) for q in _questions(event)),
        utc_to_berlin(registration.created_dt).strftime("%d.%m.%Y %H:%M"),
        "ja" if is_attended(registration) else "nein",
    ]


def write_plain_csv(header: list[str], rows) -> str:
    """RFC 4180: commas, CRLF, UTF-8 without BOM, for scripts and other programs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=",", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([export_cell(value) for value in row])
    return buffer.getvalue()


@dataclass(frozen=True)
class ParticipantExport:
    filename: str
    content: str
    count: int


def export_participants(
    event: Event, statuses: tuple[str, ...] = DEFAULT_STATUSES, *, excel: bool = True
) -> ParticipantExport:
    """The participant list; the export of personal data goes into the audit log."""
    registrations = registrations_for_export(event.id, statuses)
    rows = (participant_cells(event, r) for r in registrations)
    header = participant_header(event)
    content = write_csv(header, rows) if excel else write_plain_csv(header, rows)
    chosen = ", ".join(STATUS_CHOICES[key] for key in statuses)
    record_audit(
        "export",
        "event",
        event.id,
        f"Teilnehmendenliste „{event.title}“ exportiert: {len(registrations)} ({chosen})",
    )
    db.session.flush()
    day = utc_to_berlin(event.start_dt).date().isoformat()
    return ParticipantExport(f"teilnehmende-{day}-{event.id}.csv", content, len(registrations))
