"""Retention (DSGVO Art. 5 (1) e): what `flask privacy purge` removes, safe to run daily.

Every step only touches rows past their period and marks or removes them, so a second
run on the same day finds nothing left to do.

Participant data of events that ended PRIVACY_EVENT_RETENTION_MONTHS ago: e-mail,
Träger, Schule and the answers go for everyone. Attended participants keep first and
last name, the member link and their workshops, because an attendance certificate prints
the name and the workshops and is downloaded through the account or the personal link
(people ask for certificates years later, e.g. for a job application). Everyone else
becomes "gelöscht". State, attendance and Berufsgruppe stay for the statistics.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, delete, func, or_, select, update

from netzwerk.accounts.models import AuditEntry, LoginAttempt
from netzwerk.db import db, utcnow
from netzwerk.events.models import Event, Registration, RegistrationState
from netzwerk.mailing.models import (
    OutboxAttachment,
    OutboxMessage,
    OutboxState,
    Subscription,
    SubscriptionState,
)
from netzwerk.privacy.erasure import REDACTED_SUMMARY, anonymise_registrations, pseudonym
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord, PurgeRun
from netzwerk.privacy.settings import setting

PURGE_LABELS = {
    "teilnahmen_anonymisiert": "Teilnahmen vergangener Veranstaltungen gekürzt "
    "(Name für die Bescheinigung bleibt)",
    "anmeldungen_anonymisiert": "Anmeldungen vergangener Veranstaltungen anonymisiert",
    "einwilligungen_pseudonymisiert": "Einwilligungen von Gästen pseudonymisiert",
    "protokolleintraege_bereinigt": "Protokolleinträge ohne Personenangaben",
    "gastanmeldungen_geloescht": "Unbestätigte Gastanmeldungen gelöscht",
    "bewerbungen_geloescht": "Unbestätigte Bewerbungen gelöscht",
    "abonnements_geloescht": "Unbestätigte Verteiler-Anmeldungen gelöscht",
    "nachrichten_geloescht": "Alte Nachrichten aus dem Postausgang gelöscht",
    "nachrichten_gekuerzt": "Text alter Verteiler-Nachrichten aus dem Postausgang gelöscht",
    "anmeldeversuche_geloescht": "Alte fehlgeschlagene Anmeldeversuche gelöscht",
    "einwilligungsnachweise_geloescht": "Abgelaufene pseudonymisierte Einwilligungen gelöscht",
}


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the 30th...)."""
    years, month_index = divmod(moment.month - 1 - months, 12)
    year, month = moment.year + years, month_index + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _rows(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def anonymise_past_events(now: datetime) -> dict[str, int]:
    cutoff = months_before(now, setting("PRIVACY_EVENT_RETENTION_MONTHS"))
    due = and_(
        Registration.event_id.in_(select(Event.id).where(Event.end_dt < cutoff)),
        Registration.anonymised_dt.is_(None),
    )
    redacted = _rows(
        update(AuditEntry)
        .where(
            AuditEntry.object_type == "registration",
            AuditEntry.object_id.in_(select(Registration.id).where(due)),
            AuditEntry.summary != REDACTED_SUMMARY,
        )
        .values(summary=REDACTED_SUMMARY)
    )
    attended = and_(
        due,
        Registration.state == RegistrationState.CONFIRMED,
        Registration.attended_dt.is_not(None),
    )
    kept = anonymise_registrations(attended, now, keep_certificate=True)
    anonymised = anonymise_registrations(due, now)  # the rest: attended ones are marked now
    return {
        "teilnahmen_anonymisiert": kept,
        "anmeldungen_anonymisiert": anonymised,
        "protokolleintraege_bereinigt": redacted,
        "einwilligungen_pseudonymisiert": _pseudonymise_guest_consents(now),
    }


def _guest_consents(registration_condition):
    return and_(
        ConsentRecord.purpose == ConsentPurpose.EVENT_REGISTRATION,
        ConsentRecord.subject_ref.in_(
            select(cast(Registration.id, String)).where(registration_condition)
        ),
    )


def _pseudonymise_guest_consents(now: datetime) -> int:
    records = (
        db.session.execute(
            select(ConsentRecord).where(
                _guest_consents(Registration.anonymised_dt.is_not(None)),
                ConsentRecord.pseudonymised_dt.is_(None),
            )
        )
        .scalars()
        .all()
    )
    for record in records:
        record.email = pseudonym(record.email)
        record.pseudonymised_dt = now
    db.session.flush()
    return len(records)


def delete_unconfirmed_guest_registrations(now: datetime) -> int:
    cutoff = now - timedelta(days=setting("PRIVACY_GUEST_CONFIRM_DAYS"))
    stale = and_(
        Registration.state == RegistrationState.UNCONFIRMED, Registration.created_dt < cutoff
    )
    # The consent was given for a registration that never came about.
    _rows(delete(ConsentRecord).where(_guest_consents(stale)))
    return _rows(delete(Registration).where(stale))


def delete_pending_subscriptions(now: datetime) -> int:
    try:  # the mailing domain may own this rule; then its version counts
        from netzwerk.mailing.lists import purge_pending_subscriptions
    except ImportError:
        purge_pending_subscriptions = None
    if purge_pending_subscriptions is not None:
        removed = purge_pending_subscriptions(now=now)
        return removed if isinstance(removed, int) else 0
    cutoff = now - timedelta(days=setting("MAILING_CONFIRM_DAYS"))
    return _rows(
        delete(Subscription).where(
            Subscription.state == SubscriptionState.PENDING,
            func.coalesce(Subscription.confirmation_sent_dt, Subscription.requested_dt) < cutoff,
        )
    )


def purge_old_outbox_messages(now: datetime) -> dict[str, int]:
    """Sent and finally failed mail leaves the outbox after OUTBOX_RETENTION_DAYS.

    Mail to one person (confirmations, reset links) goes completely. Of a list message's
    copies only the text goes: the rows carry its delivery statistics and bounce reasons
    (netzwerk/mailing/messages.py), and the text itself stays in the ListMessage.
    """
    cutoff = now - timedelta(days=setting("OUTBOX_RETENTION_DAYS"))
    old = or_(
        and_(OutboxMessage.state == OutboxState.SENT, OutboxMessage.sent_dt < cutoff),
        and_(OutboxMessage.state == OutboxState.FAILED, OutboxMessage.created_dt < cutoff),
    )
    deleted = _rows(delete(OutboxMessage).where(old, OutboxMessage.list_message_id.is_(None)))
    list_copies = select(OutboxMessage.id).where(old, OutboxMessage.list_message_id.is_not(None))
    _rows(delete(OutboxAttachment).where(OutboxAttachment.message_id.in_(list_copies)))
    shortened = _rows(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list_copies), OutboxMessage.body_text != "")
        .values(body_text="", body_html=None)
    )
    return {"nachrichten_geloescht": deleted, "nachrichten_gekuerzt": shortened}


def delete_old_login_attempts() -> int:
    from netzwerk.accounts.throttle import purge_old_attempts

    def count() -> int:
        return db.session.execute(select(func.count(LoginAttempt.id))).scalar_one()

    before = count()
    purge_old_attempts()
    return before - count()


def delete_expired_consent_proofs(now: datetime) -> int:
    cutoff = months_before(now, 12 * setting("PRIVACY_CONSENT_PROOF_YEARS"))
    return _rows(delete(ConsentRecord).where(ConsentRecord.pseudonymised_dt < cutoff))


def purge(now: datetime | None = None) -> PurgeRun:
    """Run every retention step and record the run; flushes, the caller commits."""
    from netzwerk.newcomers.operations import purge_expired_applications

    now = now or utcnow()
    # Unconfirmed guests first: they are deleted outright rather than anonymised.
    summary = {"gastanmeldungen_geloescht": delete_unconfirmed_guest_registrations(now)}
    summary |= anonymise_past_events(now)
    summary["bewerbungen_geloescht"] = purge_expired_applications(now)
    summary["abonnements_geloescht"] = delete_pending_subscriptions(now)
    summary |= purge_old_outbox_messages(now)
    summary["anmeldeversuche_geloescht"] = delete_old_login_attempts()
    summary["einwilligungsnachweise_geloescht"] = delete_expired_consent_proofs(now)
    run = PurgeRun(ran_dt=now, summary={key: summary[key] for key in PURGE_LABELS})
    db.session.add(run)
    db.session.flush()
    return run


def summary_lines(run: PurgeRun) -> list[str]:
    return [f"{label}: {run.summary.get(key, 0)}" for key, label in PURGE_LABELS.items()]


def last_run() -> PurgeRun | None:
    return db.session.execute(
        select(PurgeRun).order_by(PurgeRun.ran_dt.desc(), PurgeRun.id.desc()).limit(1)
    ).scalar_one_or_none()
