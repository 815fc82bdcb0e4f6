"""Newcomer verbs: submit an application, confirm it, accept or decline it, purge stale ones.

Operations flush and never commit; the request (or CLI command) commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select

from netzwerk.accounts.models import User
from netzwerk.accounts.operations import find_user_by_email, invite_member, normalise_email
from netzwerk.audit import record_audit
from netzwerk.core.net import client_ip
from netzwerk.core.tokens import InvalidToken, make_token, read_token
from netzwerk.core.urls import external_url
from netzwerk.db import db, utcnow
from netzwerk.mailing.outbox import queue_mail
from netzwerk.members.models import EmployerKind, Member, School
from netzwerk.members.operations import (
    create_member,
    find_member_by_email,
    find_or_create_employer,
    reactivate_member,
)
from netzwerk.newcomers.models import Application, ApplicationState
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord

CONFIRM_PURPOSE = "newcomer-confirm"


@dataclass(frozen=True)
class ApplicantDetails:
    first_name: str
    last_name: str
    email: str
    phone: str = ""
    group_id: int | None = None
    school_name: str = ""
    employer_kind: EmployerKind | None = None
    employer_name: str = ""
    message: str = ""


class ApplicationNotOpen(Exception):
    """The application is not (or no longer) waiting for the step someone attempted."""

    def __init__(self, application: Application):
        super().__init__(application.state.value)
        self.application = application

    @property
    def message(self) -> str:
        state = self.application.state
        if state == ApplicationState.PENDING:
            return (
                "Diese Bewerbung ist noch nicht bestätigt; "
                "darüber kann noch nicht entschieden werden."
            )
        if state == ApplicationState.CONFIRMED:
            return "Diese Bewerbung ist bereits bestätigt."
        return (
            f"Über die Bewerbung von {self.application.full_name} wurde bereits entschieden "
            f"({state.label}). Es wurde nichts geändert."
        )


@dataclass(frozen=True)
class AcceptOutcome:
    member: Member
    linked_existing: bool  # the address already belonged to a member
    reactivated: bool
    invited: bool  # False when the person could already log in
    school_matched: bool


# --- the applicant -----------------------------------------------------------


def submit_application(details: ApplicantDetails) -> Application | None:
    """Store a pending application and mail the confirmation link.

    What the browser shows never depends on the address (no hint who is a member):
    members get a mail pointing to the password reset instead, and a second request
    for a pending address replaces the first one and sends a fresh link.
    """
    # Unconfirmed requests expire even where no one runs the purge command regularly.
    purge_expired_applications()
    email = normalise_email(details.email)
    member = find_member_by_email(email)
    if member is not None and member.is_active:
        # Addressed by the name we know, not the one typed into the form by whoever it was.
        queue_mail(
            to_email=member.email,
            to_name=member.full_name,
            subject="Sie sind bereits im Netzwerk",
            template="newcomer_already_member",
            link=external_url("accounts.forgot_password"),
        )
        return None

    application = db.session.execute(
        select(Application)
        .where(Application.email == email, Application.state == ApplicationState.PENDING)
        .order_by(Application.id.desc())
    ).scalars().first() or Application(email=email, state=ApplicationState.PENDING)
    application.first_name = details.first_name
    application.last_name = details.last_name
    application.phone = details.phone
    application.group_id = details.group_id
    application.school_name = details.school_name
    application.employer_kind = details.employer_kind
    application.employer_name = details.employer_name
    application.message = details.message
    application.consent_text_version = current_app.config["CONSENT_TEXT_VERSION"]
    application.request_ip = client_ip()
    application.confirmation_sent_dt = utcnow()
    db.session.add(application)
    db.session.flush()

    queue_mail(
        to_email=email,
        to_name=application.full_name,
        subject="Bitte bestätigen Sie Ihre E-Mail-Adresse",
        template="newcomer_confirm",
        link=external_url("newcomers.confirm", token=make_token(CONFIRM_PURPOSE, application.id)),
        days=current_app.config["APPLICATION_CONFIRM_MAX_AGE"].days,
    )
    return application


def application_for_token(token: str, *, lock: bool = False) -> Application:
    """The application a confirmation link names. Raises InvalidToken."""
    try:
        application_id = read_token(
            CONFIRM_PURPOSE, token, current_app.config["APPLICATION_CONFIRM_MAX_AGE"]
        )
    except InvalidToken as exc:
        if not exc.expired:
            raise
        # An old link to an application confirmed long ago deserves "already confirmed",
        # not "expired"; the signature is sound, only its age is too high.
        application = _application(read_token(CONFIRM_PURPOSE, token), lock)
        if application is None or application.state == ApplicationState.PENDING:
            raise
        return application
    application = _application(application_id, lock)
    if application is None:
        raise InvalidToken()
    return application


def _application(application_id, lock: bool) -> Application | None:
    if not isinstance(application_id, int):
        return None
    return db.session.get(Application, application_id, with_for_update=lock or None)


def confirm_application(application: Application) -> None:
    """The owner of the address confirmed it: the application enters the coordinator's queue."""
    if application.state != ApplicationState.PENDING:
        raise ApplicationNotOpen(application)
    now, ip = utcnow(), client_ip()
    application.state = ApplicationState.CONFIRMED
    application.confirmed_dt = now
    application.confirmed_ip = ip
    # Consent counts from the moment the owner of the address confirmed it (double opt-in).
    db.session.add(
        ConsentRecord(
            email=application.email,
            purpose=ConsentPurpose.NEWCOMER_APPLICATION,
            subject_ref=str(application.id),
            text_version=application.consent_text_version,
            given_dt=now,
            given_ip=ip,
        )
    )
    office_email = current_app.config.get("OFFICE_EMAIL")
    if office_email:
        queue_mail(
            to_email=office_email,
            subject=f"Neue Bewerbung: {application.full_name}",
            template="newcomer_notify_office",
            application=application,
            link=external_url("newcomers_admin.queue"),
        )
    db.session.flush()


# --- the coordinator ---------------------------------------------------------


def accept_application(application: Application, decided_by: User) -> AcceptOutcome:
    """Make the applicant a member (or link the existing one) and invite them to log in."""
    _require_confirmed(application)
    member = find_member_by_email(application.email)
    linked_existing = member is not None
    reactivated = school_matched = False
    if member is None:
        member, school_matched = _member_from(application)
    elif not member.is_active:
        reactivate_member(member)
        reactivated = True

    user = member.user or find_user_by_email(member.email)
    invited = user is None or not user.has_password
    if invited:
        invite_member(member)
    else:
        member.user = user  # an invitation would only reset a password they already have

    _decide(application, ApplicationState.ACCEPTED, decided_by)
    application.member_id = member.id
    record_audit(
        "newcomer.accept",
        "application",
        application.id,
        f"Bewerbung von {application.full_name} angenommen; Mitglied #{member.id} "
        + ("verknüpft (bestand bereits)" if linked_existing else "angelegt"),
    )
    db.session.flush()
    return AcceptOutcome(member, linked_existing, reactivated, invited, school_matched)


def _member_from(application: Application) -> tuple[Member, bool]:
    notes = []
    school = _school_named(application.school_name)
    if school is None and application.school_name:
        notes.append(f"Schule laut Bewerbung: {application.school_name}")
    employer = None
    if application.employer_kind and application.employer_name:
        employer = find_or_create_employer(application.employer_kind, application.employer_name)
    elif application.employer_kind or application.employer_name:
        kind = application.employer_kind.label if application.employer_kind else "Art unbekannt"
        notes.append(f"Träger laut Bewerbung: {application.employer_name or 'ohne Namen'} ({kind})")
    member = create_member(
        first_name=application.first_name,
        last_name=application.last_name,
        email=application.email,
        phone=application.phone,
        group=application.group,
        employer=employer,
        schools=[school] if school else [],
        notes="\n".join(notes),
    )
    return member, school is not None


def _school_named(name: str) -> School | None:
    if not name:
        return None
    return (
        db.session.execute(select(School).where(func.lower(School.name) == name.strip().lower()))
        .scalars()
        .first()
    )


def decline_application(application: Application, decided_by: User, reason: str = "") -> None:
    """Tell the applicant politely, and keep only what records the decision."""
    _require_confirmed(application)
    queue_mail(
        to_email=application.email,
        to_name=application.full_name,
        subject="Ihre Anfrage an das Netzwerk Schulsozialarbeit",
        template="newcomer_declined",
        reply_to=current_app.config.get("OFFICE_EMAIL"),
        reason=reason,
    )
    # Data minimisation (DSGVO Art. 5 (1) c, e): after a decline, nothing the applicant
    # told us serves a purpose any more. Name, address and the decision stay, so the
    # office can answer "what happened to my request?" and shows whom it wrote to; the
    # proof of consent stays in ConsentRecord. Phone, school, employer, group, the
    # message and the request's IP address go now.
    application.phone = ""
    application.message = ""
    application.school_name = ""
    application.employer_kind = None
    application.employer_name = ""
    application.group_id = None
    application.request_ip = ""
    _decide(application, ApplicationState.DECLINED, decided_by)
    summary = f"Bewerbung von {application.full_name} abgelehnt"
    record_audit(
        "newcomer.decline",
        "application",
        application.id,
        f"{summary}. Begründung: {reason}" if reason else summary,
    )
    db.session.flush()


def _require_confirmed(application: Application) -> None:
    if application.state != ApplicationState.CONFIRMED:
        raise ApplicationNotOpen(application)


def _decide(application: Application, state: ApplicationState, decided_by: User) -> None:
    application.state = state
    application.decided_dt = utcnow()
    application.decided_by_id = decided_by.id


# --- housekeeping ------------------------------------------------------------


def purge_expired_applications(now: datetime | None = None) -> int:
    """Delete unconfirmed applications whose confirmation link has expired."""
    cutoff = (now or utcnow()) - current_app.config["APPLICATION_CONFIRM_MAX_AGE"]
    result = db.session.execute(
        delete(Application)
        .where(
            Application.state == ApplicationState.PENDING,
            or_(
                Application.confirmation_sent_dt < cutoff,
                and_(
                    Application.confirmation_sent_dt.is_(None),
                    Application.created_dt < cutoff,
                ),
            ),
        )
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount
