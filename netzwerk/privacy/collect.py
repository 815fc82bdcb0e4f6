"""Everything stored about one person, found by e-mail address: one function per domain.

The same "which rows are this person's" conditions serve the export (Art. 15/20), the
coordinator's overview of a person, and the erasure (Art. 17), so the three never
disagree. A domain that adds personal data adds a collector here and an eraser in
erasure.py; tests/privacy/test_coverage.py lists the tables both must know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from netzwerk.accounts.models import AuditEntry, LoginAttempt, User
from netzwerk.accounts.operations import normalise_email
from netzwerk.circles.models import Circle, CircleMembership, MeetingResponse
from netzwerk.core.urls import external_url
from netzwerk.db import db, utcnow
from netzwerk.events.models import Registration, WorkshopChoice
from netzwerk.mailing.models import (
    EmailSuppression,
    ListOptOut,
    MailingList,
    OutboxMessage,
    Subscription,
)
from netzwerk.members.models import Member
from netzwerk.newcomers.models import Application
from netzwerk.privacy.labels import (
    audit_action_label,
    audit_object_label,
    consent_subject,
    enum_label,
)
from netzwerk.privacy.models import ConsentRecord, ErasureRequest
from netzwerk.topics.models import TopicComment, TopicSuggestion, TopicVote

EXPORT_FORMAT = "netzwerk-datenauskunft/1"


@dataclass(frozen=True)
class Person:
    """Whoever an address stands for: the address itself, a member and a login."""

    email: str
    emails: frozenset[str]
    members: tuple[Member, ...]
    users: tuple[User, ...]

    @property
    def member_ids(self) -> frozenset[int]:
        return frozenset(m.id for m in self.members)

    @property
    def user_ids(self) -> frozenset[int]:
        return frozenset(u.id for u in self.users)


def find_person(email: str) -> Person:
    """The person behind an address, compared case-insensitively.

    A member's login may carry an older address (and the other way round), so both
    addresses belong to the person: their registrations may use either.
    """
    email = normalise_email(email)
    user_ids_by_email = select(User.id).where(func.lower(User.email) == email)
    members = (
        db.session.execute(
            select(Member)
            .options(
                joinedload(Member.group),
                joinedload(Member.employer),
                selectinload(Member.schools),
            )
            .where(or_(func.lower(Member.email) == email, Member.user_id.in_(user_ids_by_email)))
            .order_by(Member.id)
        )
        .scalars()
        .all()
    )
    member_user_ids = [m.user_id for m in members if m.user_id is not None]
    users = (
        db.session.execute(
            select(User)
            .where(or_(func.lower(User.email) == email, User.id.in_(member_user_ids)))
            .order_by(User.id)
        )
        .scalars()
        .all()
    )
    emails = {email} | {normalise_email(m.email) for m in members}
    emails |= {normalise_email(u.email) for u in users}
    return Person(email, frozenset(emails), tuple(members), tuple(users))


def person_of(user: User) -> Person:
    return find_person(user.email)


# --- which rows belong to the person ---------------------------------------------


def email_in(column, person: Person) -> ColumnElement[bool]:
    return func.lower(column).in_(sorted(person.emails))


def member_in(column, person: Person) -> ColumnElement[bool]:
    ids = sorted(person.member_ids)
    return column.in_(ids) if ids else false()


def registrations_of(person: Person) -> ColumnElement[bool]:
    return or_(email_in(Registration.email, person), member_in(Registration.member_id, person))


def applications_of(person: Person) -> ColumnElement[bool]:
    return or_(email_in(Application.email, person), member_in(Application.member_id, person))


def subscriptions_of(person: Person) -> ColumnElement[bool]:
    return or_(email_in(Subscription.email, person), member_in(Subscription.member_id, person))


def suggestions_of(person: Person) -> ColumnElement[bool]:
    return or_(
        email_in(TopicSuggestion.suggester_email, person),
        member_in(TopicSuggestion.member_id, person),
    )


def erasure_requests_of(person: Person) -> ColumnElement[bool]:
    return or_(email_in(ErasureRequest.email, person), member_in(ErasureRequest.member_id, person))


def login_attempt_keys(person: Person) -> list[str]:
    # Mirrors netzwerk/accounts/throttle.py, which counts failures per "email:<address>".
    return sorted(f"email:{email}" for email in person.emails)


def audit_entries_of(person: Person) -> ColumnElement[bool]:
    """Log entries about the person's records, or naming their address."""

    def about(object_type: str, ids) -> ColumnElement[bool]:
        return and_(AuditEntry.object_type == object_type, AuditEntry.object_id.in_(ids))

    return or_(
        about("member", sorted(person.member_ids)),
        about("application", select(Application.id).where(applications_of(person))),
        about("registration", select(Registration.id).where(registrations_of(person))),
        about("erasure_request", select(ErasureRequest.id).where(erasure_requests_of(person))),
        *(
            func.lower(AuditEntry.summary).contains(email, autoescape=True)
            for email in sorted(person.emails)
        ),
    )


# --- one collector per domain -------------------------------------------------------

Rows = list[dict]


def _all(query):
    return db.session.execute(query).scalars().all()


def collect_accounts(person: Person) -> dict[str, Rows]:
    attempts = _all(
        select(LoginAttempt.attempt_dt)
        .where(LoginAttempt.key.in_(login_attempt_keys(person)))
        .order_by(LoginAttempt.attempt_dt)
    )
    return {
        "zugaenge": [
            {
                "name": u.name,
                "email": u.email,
                "rolle": u.role.label,
                "aktiv": u.is_enabled,
                "angelegt": u.created_dt,
                "letzte_anmeldung": u.last_login_dt,
                "passwort_gesetzt": u.has_password,
                "passwort_geaendert": u.password_changed_dt,
                "persoenlicher_kalender": bool(u.calendar_token),
            }
            for u in person.users
        ],
        "fehlgeschlagene_anmeldungen": [{"zeitpunkt": moment} for moment in attempts],
    }


def collect_members(person: Person) -> dict[str, Rows]:
    return {
        "mitglied": [
            {
                "vorname": m.first_name,
                "nachname": m.last_name,
                "email": m.email,
                "telefon": m.phone,
                "berufsgruppe": m.group.name if m.group else None,
                "anstellungstraeger": m.employer.name if m.employer else None,
                "traegerart": m.employer.kind.label if m.employer else None,
                "schulen": [s.name for s in m.schools],
                "aktiv": m.is_active,
                "im_verzeichnis": m.listed_in_directory,
                "verzeichnis_einwilligung": m.directory_consent_dt,
                "eingeladen": m.invited_dt,
                "angelegt": m.created_dt,
                "geaendert": m.updated_dt,
                "notizen_der_koordinierungsstelle": m.notes,
            }
            for m in person.members
        ]
    }


def collect_newcomers(person: Person) -> dict[str, Rows]:
    applications = _all(
        select(Application)
        .options(joinedload(Application.group))
        .where(applications_of(person))
        .order_by(Application.created_dt, Application.id)
    )
    return {
        "bewerbungen": [
            {
                "nummer": a.id,
                "status": a.state.label,
                "vorname": a.first_name,
                "nachname": a.last_name,
                "email": a.email,
                "telefon": a.phone,
                "berufsgruppe": a.group.name if a.group else None,
                "schule": a.school_name,
                "traegerart": a.employer_kind.label if a.employer_kind else None,
                "traeger": a.employer_name,
                "nachricht": a.message,
                "einwilligungstext_fassung": a.consent_text_version,
                "angefragt": a.confirmation_sent_dt or a.created_dt,
                "anfrage_ip": a.request_ip,
                "bestaetigt": a.confirmed_dt,
                "bestaetigung_ip": a.confirmed_ip,
                "entschieden": a.decided_dt,
            }
            for a in applications
        ]
    }


def _answers(registration: Registration) -> dict:
    labels = {q.get("key"): q.get("label") for q in registration.event.questions or []}
    return {labels.get(key) or key: value for key, value in (registration.answers or {}).items()}


def collect_events(person: Person) -> dict[str, Rows]:
    from netzwerk.events.desk_operations import state_label

    registrations = _all(
        select(Registration)
        .options(
            joinedload(Registration.event),
            joinedload(Registration.group),
            selectinload(Registration.workshop_choices).joinedload(WorkshopChoice.workshop),
        )
        .where(registrations_of(person))
        .order_by(Registration.created_dt, Registration.id)
    )
    return {
        "anmeldungen": [
            {
                "nummer": r.id,
                "veranstaltung": r.event.title,
                "beginn": r.event.start_dt,
                "status": state_label(r),
                "vorname": r.first_name,
                "nachname": r.last_name,
                "email": r.email,
                "berufsgruppe": r.group.name if r.group else None,
                "traeger": r.employer_name,
                "schule": r.school_name,
                "antworten": _answers(r),
                "workshops": [
                    {
                        "titel": c.workshop.title,
                        "zeitfenster": c.slot,
                        "wahl": c.priority,
                        "zugeteilt": c.is_assigned,
                    }
                    for c in sorted(r.workshop_choices, key=lambda c: (c.slot, c.priority))
                ],
                "angemeldet": r.created_dt,
                "bestaetigt": r.confirmed_dt,
                "abgemeldet": r.cancelled_dt,
                "anwesend": r.attended_dt,
                "anonymisiert": r.anonymised_dt,
            }
            for r in registrations
        ]
    }


def collect_mailing(person: Person) -> dict[str, Rows]:
    subscriptions = _all(
        select(Subscription)
        .options(joinedload(Subscription.mailing_list))
        .where(subscriptions_of(person))
        .order_by(Subscription.requested_dt, Subscription.id)
    )
    opt_outs = db.session.execute(
        select(ListOptOut, MailingList.name)
        .join(MailingList, MailingList.id == ListOptOut.list_id)
        .where(email_in(ListOptOut.email, person))
        .order_by(ListOptOut.created_dt, ListOptOut.id)
    ).all()
    # Subjects and dates only: the person received these mails, and their bodies carry
    # personal links (cancel, confirm, reset) that must not travel in an export file.
    messages = db.session.execute(
        select(
            OutboxMessage.subject,
            OutboxMessage.to_email,
            OutboxMessage.state,
            OutboxMessage.created_dt,
            OutboxMessage.sent_dt,
        )
        .where(email_in(OutboxMessage.to_email, person))
        .order_by(OutboxMessage.created_dt, OutboxMessage.id)
    ).all()
    suppressions = _all(
        select(EmailSuppression)
        .where(email_in(EmailSuppression.email, person))
        .order_by(EmailSuppression.id)
    )
    return {
        "verteiler_abonnements": [
            {
                "verteiler": s.mailing_list.name,
                "status": enum_label(s.state),
                "name": s.name,
                "email": s.email,
                "einwilligungstext_fassung": s.consent_text_version,
                "angefragt": s.requested_dt,
                "anfrage_ip": s.request_ip,
                "bestaetigungslink_gesendet": s.confirmation_sent_dt,
                "bestaetigt": s.confirmed_dt,
                "bestaetigung_ip": s.confirmed_ip,
                "abgemeldet": s.unsubscribed_dt,
            }
            for s in subscriptions
        ],
        "verteiler_abmeldungen": [
            {"verteiler": name, "email": o.email, "seit": o.created_dt} for o, name in opt_outs
        ],
        "nachrichten": [
            {
                "betreff": m.subject,
                "an": m.to_email,
                "status": enum_label(m.state),
                "erstellt": m.created_dt,
                "gesendet": m.sent_dt,
            }
            for m in messages
        ],
        "zustellprobleme": [
            {
                "email": s.email,
                "grund": s.reason,
                "unzustellbare_nachrichten": s.bounce_count,
                "gesperrt_seit": s.suspended_dt,
                "erste": s.created_dt,
                "letzte": s.last_bounce_dt,
            }
            for s in suppressions
        ],
    }


def collect_topics(person: Person) -> dict[str, Rows]:
    suggestions = _all(
        select(TopicSuggestion)
        .where(suggestions_of(person))
        .order_by(TopicSuggestion.created_dt, TopicSuggestion.id)
    )
    votes = db.session.execute(
        select(TopicSuggestion.title, TopicVote.created_dt)
        .join(TopicSuggestion, TopicSuggestion.id == TopicVote.topic_id)
        .where(member_in(TopicVote.member_id, person))
        .order_by(TopicVote.created_dt, TopicVote.id)
    ).all()
    comments = db.session.execute(
        select(TopicSuggestion.title, TopicComment.text, TopicComment.created_dt)
        .join(TopicSuggestion, TopicSuggestion.id == TopicComment.topic_id)
        .where(member_in(TopicComment.member_id, person))
        .order_by(TopicComment.created_dt, TopicComment.id)
    ).all()
    return {
        "themenvorschlaege": [
            {
                "nummer": t.id,
                "titel": t.title,
                "beschreibung": t.description,
                "lernziel": t.learning_goal,
                "bietet_workshop_an": t.offers_workshop,
                "status": enum_label(t.state),
                "eingereicht_von": t.suggester_name,
                "email": t.suggester_email,
                "eingereicht": t.created_dt,
                "stimmen": t.vote_count,
            }
            for t in suggestions
        ],
        "themenstimmen": [{"thema": title, "am": moment} for title, moment in votes],
        "themenkommentare": [
            {"thema": title, "text": text, "am": moment} for title, text, moment in comments
        ],
    }


def collect_circles(person: Person) -> dict[str, Rows]:
    memberships = db.session.execute(
        select(CircleMembership, Circle.name)
        .join(Circle, Circle.id == CircleMembership.circle_id)
        .where(member_in(CircleMembership.member_id, person))
        .order_by(Circle.name, CircleMembership.id)
    ).all()
    responses = db.session.execute(
        select(MeetingResponse, Circle.name)
        .join(Circle, Circle.id == MeetingResponse.circle_id)
        .where(member_in(MeetingResponse.member_id, person))
        .order_by(MeetingResponse.occurrence_dt, MeetingResponse.id)
    ).all()
    return {
        "qualitaetszirkel": [
            {
                "zirkel": name,
                "rolle": enum_label(m.role),
                "status": enum_label(m.state),
                "seit": m.created_dt,
            }
            for m, name in memberships
        ],
        "zirkel_rueckmeldungen": [
            {"zirkel": name, "termin": r.occurrence_dt, "antwort": enum_label(r.answer)}
            for r, name in responses
        ],
    }


def collect_privacy(person: Person) -> dict[str, Rows]:
    consents = _all(
        select(ConsentRecord)
        .where(email_in(ConsentRecord.email, person))
        .order_by(ConsentRecord.given_dt, ConsentRecord.id)
    )
    requests = _all(
        select(ErasureRequest)
        .where(erasure_requests_of(person))
        .order_by(ErasureRequest.requested_dt, ErasureRequest.id)
    )
    entries = _all(
        select(AuditEntry)
        .where(audit_entries_of(person))
        .order_by(AuditEntry.created_dt, AuditEntry.id)
    )
    return {
        "einwilligungen": [
            {
                "zweck": c.purpose.label,
                "bezug": consent_subject(c.purpose, c.subject_ref),
                "email": c.email,
                "textfassung": c.text_version,
                "erteilt": c.given_dt,
                "ip": c.given_ip,
                "widerrufen": c.withdrawn_dt,
            }
            for c in consents
        ],
        "loeschantraege": [
            {
                "nummer": r.id,
                "status": r.state.label,
                "beantragt": r.requested_dt,
                "erledigt": r.settled_dt,
                "anmerkung": r.note,
            }
            for r in requests
        ],
        "protokoll": [
            {
                "zeitpunkt": e.created_dt,
                "aktion": audit_action_label(e.action),
                "betrifft": audit_object_label(e.object_type, e.object_id),
                "beschreibung": e.summary,
            }
            for e in entries
        ],
    }


COLLECTORS: tuple[Callable[[Person], dict[str, Rows]], ...] = (
    collect_accounts,
    collect_members,
    collect_newcomers,
    collect_events,
    collect_mailing,
    collect_topics,
    collect_circles,
    collect_privacy,
)


def collect_person(person: Person) -> dict[str, Rows]:
    """Every section of every domain, in a fixed order; empty sections included."""
    data: dict[str, Rows] = {}
    for collect in COLLECTORS:
        data.update(collect(person))
    return data


def has_data(data: dict[str, Rows]) -> bool:
    return any(data.values())


def export_document(person: Person, data: dict[str, Rows] | None = None) -> dict:
    """The export as one JSON-ready document with stable German keys."""
    return {
        "format": EXPORT_FORMAT,
        "erstellt": utcnow(),
        "verantwortlich": current_app.config["OFFICE_NAME"],
        "kontakt": current_app.config["OFFICE_EMAIL"],
        "email": person.email,
        "datenschutzerklaerung": external_url("core.privacy"),
        "hinweise": [
            "Zeitangaben in Ortszeit Europe/Berlin (ISO 8601).",
            "Nachrichten: Betreff und Zeitpunkte. Den Text haben Sie per E-Mail erhalten; "
            "er enthält persönliche Links, die nicht in eine Datei gehören.",
            "Zwecke, Rechtsgrundlagen und Speicherdauer nennt die Datenschutzerklärung.",
        ],
        "daten": data if data is not None else collect_person(person),
    }


def json_default(value):
    """Datetimes as Europe/Berlin ISO 8601; everything else json cannot handle as text."""
    from netzwerk.core.timeutil import utc_to_berlin

    if isinstance(value, datetime):
        return utc_to_berlin(value).isoformat(timespec="seconds")
    return str(value)
