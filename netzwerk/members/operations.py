"""Member verbs: create, update, deactivate, reactivate, invite, keep the own profile.

Operations flush and never commit; the request commits once. A clash (an e-mail address
that belongs to someone else) raises before anything is written.
"""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from netzwerk.accounts.models import Role, User
from netzwerk.accounts.operations import invite_member, normalise_email
from netzwerk.audit import record_audit
from netzwerk.core.net import client_ip
from netzwerk.db import db, utcnow
from netzwerk.members.models import Employer, EmployerKind, Member
from netzwerk.members.school_operations import create_employer
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord

MEMBER_FIELDS = {
    "first_name": "Vorname",
    "last_name": "Nachname",
    "email": "E-Mail-Adresse",
    "phone": "Telefon",
    "group": "Berufsgruppe",
    "employer": "Träger",
    "schools": "Schulen",
    "notes": "Notizen",
    "is_active": "Status",
    "listed_in_directory": "Verzeichnis",
}


@dataclass(frozen=True)
class NewEmployer:
    """A Träger typed into a form: found by kind and name, or created."""

    kind: EmployerKind
    name: str


class EmailInUse(ValueError):
    """The address already belongs to another member, who is named in the message."""

    def __init__(self, other: Member):
        super().__init__(f"Diese E-Mail-Adresse gehört bereits zu {other.full_name}.")
        self.other = other


class MemberInactive(Exception):
    """Inactive members get no invitation: their account stays closed."""


def find_member_by_email(email: str) -> Member | None:
    return db.session.execute(
        select(Member).where(Member.email == normalise_email(email))
    ).scalar_one_or_none()


def _ensure_email_free(email: str, member: Member | None = None) -> None:
    other = find_member_by_email(email)
    if other is not None and other is not member:
        raise EmailInUse(other)


def find_or_create_employer(kind: EmployerKind, name: str) -> Employer:
    """The Träger of this kind and name (ignoring case), created if it is new."""
    kind = EmployerKind(kind)
    name = " ".join(name.split())
    employer = db.session.execute(
        select(Employer).where(Employer.kind == kind, func.lower(Employer.name) == name.lower())
    ).scalar_one_or_none()
    if employer is not None:
        return employer
    employer = create_employer(kind=kind, name=name)
    record_audit("employer.create", "employer", employer.id, f"Träger angelegt: {name}")
    return employer


def _resolve_employer(employer: Employer | NewEmployer | None) -> Employer | None:
    if isinstance(employer, NewEmployer):
        return find_or_create_employer(employer.kind, employer.name)
    return employer


def create_member(
    *,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
    group=None,
    employer: Employer | NewEmployer | None = None,
    schools=(),
    notes: str = "",
    is_active: bool = True,
    listed_in_directory: bool = False,
) -> Member:
    """A new member. Raises EmailInUse (nothing written) when the address is taken."""
    email = normalise_email(email)
    _ensure_email_free(email)
    member = Member(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        group=group,
        employer=_resolve_employer(employer),
        schools=list(schools),
        notes=notes,
        is_active=is_active,
        listed_in_directory=False,
    )
    db.session.add(member)
    db.session.flush()
    if listed_in_directory:
        set_directory_listing(member, True)
    record_audit("member.create", "member", member.id, f"Mitglied angelegt: {member.full_name}")
    db.session.flush()
    return member


def update_member(member: Member, **changes) -> Member:
    """Change any of MEMBER_FIELDS. Raises EmailInUse (nothing written) for a taken address."""
    unknown = set(changes) - set(MEMBER_FIELDS)
    if unknown:
        raise TypeError(f"unknown member fields: {', '.join(sorted(unknown))}")
    if "email" in changes:
        changes["email"] = normalise_email(changes["email"])
        _ensure_email_free(changes["email"], member)
    if "employer" in changes:
        changes["employer"] = _resolve_employer(changes["employer"])
    if "schools" in changes:
        changes["schools"] = list(changes["schools"])

    changed = [name for name, value in changes.items() if _differs(member, name, value)]
    listed = changes.pop("listed_in_directory", member.listed_in_directory)
    active = changes.pop("is_active", member.is_active)
    for name, value in changes.items():
        setattr(member, name, value)
    if listed != member.listed_in_directory:
        set_directory_listing(member, listed)
    if active != member.is_active:
        set_active(member, active)
    _sync_user(member)
    if changed:
        summary = "Geändert: " + ", ".join(MEMBER_FIELDS[name] for name in changed)
        record_audit("member.update", "member", member.id, summary)
    db.session.flush()
    return member


def _differs(member: Member, name: str, value) -> bool:
    if name == "schools":  # the order of a selection carries no meaning
        return {s.id for s in member.schools} != {s.id for s in value}
    return getattr(member, name) != value


def deactivate_member(member: Member) -> Member:
    """Take the member out of lists and the directory, and close their login."""
    if member.is_active:
        set_active(member, False)
        record_audit("member.deactivate", "member", member.id, "Mitglied deaktiviert")
    db.session.flush()
    return member


def reactivate_member(member: Member) -> Member:
    if not member.is_active:
        set_active(member, True)
        record_audit("member.reactivate", "member", member.id, "Mitglied reaktiviert")
    db.session.flush()
    return member


def send_invitation(member: Member) -> User:
    """Mail the member a link to set a password; sending again is allowed."""
    if not member.is_active:
        raise MemberInactive()
    user = invite_member(member)
    record_audit("member.invite", "member", member.id, f"Einladung an {member.email}")
    return user


def update_profile(member: Member, *, phone: str, schools, listed_in_directory: bool) -> Member:
    """What members change themselves; the rest goes through the coordination office."""
    member.phone = phone
    member.schools = list(schools)
    if listed_in_directory != member.listed_in_directory:
        set_directory_listing(member, listed_in_directory)
    db.session.flush()
    return member


def set_active(member: Member, active: bool) -> None:
    member.is_active = active
    # A coordinator's own login never depends on their member profile.
    if member.user is not None and member.user.role == Role.MEMBER:
        member.user.is_enabled = active


def set_directory_listing(member: Member, listed: bool) -> None:
    """Record consent to the directory listing (DSGVO Art. 7), or its withdrawal."""
    now = utcnow()
    member.listed_in_directory = listed
    if listed:
        member.directory_consent_dt = now
        db.session.add(
            ConsentRecord(
                email=member.email,
                purpose=ConsentPurpose.DIRECTORY_LISTING,
                subject_ref=str(member.id),
                text_version=current_app.config["CONSENT_TEXT_VERSION"],
                given_dt=now,
                given_ip=client_ip(),
            )
        )
        return
    member.directory_consent_dt = None
    open_records = db.session.execute(
        select(ConsentRecord).where(
            ConsentRecord.purpose == ConsentPurpose.DIRECTORY_LISTING,
            ConsentRecord.subject_ref == str(member.id),
            ConsentRecord.withdrawn_dt.is_(None),
        )
    ).scalars()
    for record in open_records:
        record.withdrawn_dt = now


def _sync_user(member: Member) -> None:
    """Keep the login's name and address equal to the member's, unless the address is taken."""
    user = member.user
    if user is None:
        return
    user.name = member.full_name
    if user.email != member.email:
        taken = db.session.execute(
            select(User.id).where(User.email == member.email, User.id != user.id)
        ).first()
        if taken is None:
            user.email = member.email
