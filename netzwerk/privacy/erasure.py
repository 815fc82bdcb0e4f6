"""Erasure (DSGVO Art. 17): delete or anonymise one person across every domain.

What stays, and why:
- Registrations stay as anonymous rows ("gelöscht", geloescht-<id>@invalid) with state,
  attendance, Berufsgruppe and workshop choices, so that participant numbers and the
  yearly report still add up. Registrations for events still to come are cancelled first,
  so the place goes to the waiting list.
- Topic suggestions and comments stay without their author (the discussion keeps its
  sense); votes are deleted and each topic's vote_count is counted again.
- Consent records stay pseudonymised: the address is replaced by a keyed hash, so that
  the office can still prove a consent it is asked about (defence of legal claims,
  Art. 17 (3) e) without being able to read whose it was. They are deleted
  PRIVACY_CONSENT_PROOF_YEARS (3, the regular limitation period) later by the purge.
- List opt-outs are deleted with the subscriptions: they only filter members out of
  segment-based lists, and after the erasure there is no member left to filter. Bounce
  records (EmailSuppression) go too: no list reaches the address any more.
- Audit log entries stay (accountability, Art. 5 (2)) but their descriptions, which may
  name the person, are replaced; the "erased" entry itself names no one.
- Queued and sent mail to the person is deleted from the outbox.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import ColumnElement, String, cast, delete, func, literal, select, update

from netzwerk.accounts.models import AuditEntry, LoginAttempt, Role, User
from netzwerk.audit import record_audit
from netzwerk.circles.models import CircleMembership, MeetingResponse
from netzwerk.db import db, utcnow
from netzwerk.events.models import Event, Registration, RegistrationState
from netzwerk.mailing.models import EmailSuppression, ListOptOut, OutboxMessage, Subscription
from netzwerk.newcomers.models import Application
from netzwerk.privacy.collect import (
    Person,
    applications_of,
    audit_entries_of,
    email_in,
    erasure_requests_of,
    login_attempt_keys,
    member_in,
    registrations_of,
    subscriptions_of,
    suggestions_of,
)
from netzwerk.privacy.models import ConsentRecord, ErasureRequest, ErasureRequestState
from netzwerk.topics.models import TopicComment, TopicState, TopicSuggestion, TopicVote

ERASED_NAME = "gelöscht"
REDACTED_SUMMARY = "(Angaben zur Person nach Löschung entfernt)"
ACTIVE_STATES = (
    RegistrationState.UNCONFIRMED,
    RegistrationState.CONFIRMED,
    RegistrationState.WAITING,
    RegistrationState.OFFERED,
)


class ErasureRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ErasureOutcome:
    counts: dict[str, int] = field(default_factory=dict)
    request_ids: list[int] = field(default_factory=list)

    def add(self, label: str, number: int) -> None:
        if number:
            self.counts[label] = self.counts.get(label, 0) + number

    @property
    def summary(self) -> str:
        done = ", ".join(f"{label}: {n}" for label, n in self.counts.items())
        return f"Löschung nach Art. 17 DSGVO. {done or 'Keine Datensätze betroffen.'}"


def pseudonym(email: str) -> str:
    """A keyed hash of an address: matches the same address again, reveals none."""
    key = current_app.config.get("PRIVACY_PSEUDONYM_KEY") or current_app.config["SECRET_KEY"]
    digest = hmac.new(key.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"pseudonym:{digest}"


def placeholder_email():
    """geloescht-<id>@invalid: unique per event (the unique key needs one), never deliverable."""
    return literal("geloescht-") + cast(Registration.id, String) + literal("@invalid")


def anonymise_registrations(
    condition: ColumnElement[bool], now: datetime, *, keep_certificate: bool = False
) -> int:
    """Replace who registered by a placeholder; keep what statistics count.

    keep_certificate keeps the name and the member link, which an attendance
    certificate prints and its download checks (the retention purge, not an erasure).
    """
    values = {
        "email": placeholder_email(),
        "employer_name": "",
        "school_name": "",
        "answers": {},
        "anonymised_dt": now,
    }
    if not keep_certificate:
        # A fresh nonce also revokes every personal link sent to the old address.
        values |= {
            "first_name": ERASED_NAME,
            "last_name": ERASED_NAME,
            "member_id": None,
            "token_nonce": secrets.token_hex(8),
        }
    result = db.session.execute(
        update(Registration)
        .where(condition)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def _rows(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session="fetch")).rowcount


# --- one eraser per domain ---------------------------------------------------------


def erase_audit_descriptions(person: Person, outcome: ErasureOutcome) -> None:
    # First: it finds entries through registrations and applications still unchanged.
    outcome.add(
        "Protokolleinträge ohne Personenangaben",
        _rows(
            update(AuditEntry)
            .where(audit_entries_of(person), AuditEntry.summary != REDACTED_SUMMARY)
            .values(summary=REDACTED_SUMMARY)
        ),
    )


def erase_registrations(person: Person, outcome: ErasureOutcome, now: datetime) -> None:
    from netzwerk.events.operations import cancel_registration

    upcoming = (
        db.session.execute(
            select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(
                registrations_of(person),
                Registration.state.in_(ACTIVE_STATES),
                Event.end_dt > now,
            )
            .order_by(Registration.id)
        )
        .scalars()
        .all()
    )
    for registration in upcoming:
        # Frees the place for the waiting list; the mail it queues goes with the outbox.
        cancel_registration(registration, now=now, by_office=True)
    outcome.add("Anmeldungen storniert", len(upcoming))
    outcome.add("Anmeldungen anonymisiert", anonymise_registrations(registrations_of(person), now))


def erase_topics(person: Person, outcome: ErasureOutcome) -> None:
    voted = select(TopicVote.topic_id).where(member_in(TopicVote.member_id, person))
    topic_ids = db.session.execute(voted).scalars().all()
    outcome.add(
        "Themenstimmen", _rows(delete(TopicVote).where(member_in(TopicVote.member_id, person)))
    )
    if topic_ids:
        counted = (
            select(func.count(TopicVote.id))
            .where(TopicVote.topic_id == TopicSuggestion.id)
            .scalar_subquery()
        )
        _rows(
            update(TopicSuggestion)
            .where(TopicSuggestion.id.in_(topic_ids))
            .values(vote_count=counted)
        )
    outcome.add(
        "Themenkommentare ohne Verfasser",
        _rows(
            update(TopicComment)
            .where(member_in(TopicComment.member_id, person))
            .values(member_id=None)
        ),
    )
    outcome.add(
        "Unbestätigte Themenvorschläge",
        _rows(
            delete(TopicSuggestion).where(
                suggestions_of(person), TopicSuggestion.state == TopicState.UNCONFIRMED
            )
        ),
    )
    outcome.add(
        "Themenvorschläge ohne Verfasser",
        _rows(
            update(TopicSuggestion)
            .where(suggestions_of(person))
            .values(member_id=None, suggester_name="", suggester_email="")
        ),
    )


def erase_circles(person: Person, outcome: ErasureOutcome) -> None:
    outcome.add(
        "Zirkel-Mitgliedschaften",
        _rows(delete(CircleMembership).where(member_in(CircleMembership.member_id, person))),
    )
    outcome.add(
        "Zirkel-Rückmeldungen",
        _rows(delete(MeetingResponse).where(member_in(MeetingResponse.member_id, person))),
    )


def erase_mailing(person: Person, outcome: ErasureOutcome) -> None:
    outcome.add(
        "Verteiler-Abonnements", _rows(delete(Subscription).where(subscriptions_of(person)))
    )
    outcome.add(
        "Verteiler-Abmeldungen",
        _rows(delete(ListOptOut).where(email_in(ListOptOut.email, person))),
    )
    outcome.add(
        "Zustellprobleme",
        _rows(delete(EmailSuppression).where(email_in(EmailSuppression.email, person))),
    )


def erase_applications(person: Person, outcome: ErasureOutcome) -> None:
    outcome.add("Bewerbungen", _rows(delete(Application).where(applications_of(person))))


def erase_consent_records(person: Person, outcome: ErasureOutcome, now: datetime) -> None:
    records = (
        db.session.execute(select(ConsentRecord).where(email_in(ConsentRecord.email, person)))
        .scalars()
        .all()
    )
    for record in records:
        record.email = pseudonym(record.email)
        record.withdrawn_dt = record.withdrawn_dt or now
        record.pseudonymised_dt = now
    outcome.add("Einwilligungsnachweise pseudonymisiert", len(records))


def settle_erasure_requests(
    person: Person, outcome: ErasureOutcome, now: datetime, erased_by: User
) -> None:
    requests = (
        db.session.execute(select(ErasureRequest).where(erasure_requests_of(person)))
        .scalars()
        .all()
    )
    for request in requests:
        if request.state == ErasureRequestState.OPEN:
            request.state = ErasureRequestState.ERASED
            request.settled_dt = now
            request.settled_by_id = erased_by.id
            outcome.request_ids.append(request.id)
        request.email = ""
        request.name = ""
        request.note = ""
        request.member_id = None


def erase_accounts(person: Person, outcome: ErasureOutcome) -> None:
    outcome.add(
        "Anmeldeversuche",
        _rows(delete(LoginAttempt).where(LoginAttempt.key.in_(login_attempt_keys(person)))),
    )
    for member in person.members:
        db.session.delete(member)
    outcome.add("Mitglieder", len(person.members))
    db.session.flush()
    for user in person.users:
        db.session.delete(user)
    outcome.add("Zugänge", len(person.users))
    db.session.flush()


def erase_outbox(person: Person, outcome: ErasureOutcome) -> None:
    # Last: it also takes the cancellation mails the steps above queued.
    outcome.add(
        "Nachrichten", _rows(delete(OutboxMessage).where(email_in(OutboxMessage.to_email, person)))
    )


def erase_person(person: Person, erased_by: User, now: datetime | None = None) -> ErasureOutcome:
    """Erase the person everywhere and log it, naming no one. Raises ErasureRefused."""
    if any(u.role == Role.COORDINATOR for u in person.users):
        raise ErasureRefused(
            "Zu dieser Adresse gehört ein Zugang der Koordinierung. Solche Zugänge werden "
            "nicht über den Datenschutz gelöscht, damit das Protokoll nachvollziehbar bleibt."
        )
    now = now or utcnow()
    outcome = ErasureOutcome()
    erase_audit_descriptions(person, outcome)
    erase_registrations(person, outcome, now)
    erase_topics(person, outcome)
    erase_circles(person, outcome)
    erase_mailing(person, outcome)
    erase_applications(person, outcome)
    erase_consent_records(person, outcome, now)
    settle_erasure_requests(person, outcome, now, erased_by)
    erase_accounts(person, outcome)
    erase_outbox(person, outcome)
    request_id = outcome.request_ids[0] if outcome.request_ids else None
    record_audit(
        "privacy.erase",
        "erasure_request" if request_id else "person",
        request_id,
        outcome.summary,
    )
    db.session.flush()
    return outcome
