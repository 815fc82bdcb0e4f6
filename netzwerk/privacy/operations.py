"""Data protection verbs: export, request and carry out erasure, edit the legal texts.

Operations flush and never commit; the request (or CLI command) commits once.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import or_, select

from netzwerk.accounts.models import User
from netzwerk.audit import record_audit
from netzwerk.core.urls import external_url
from netzwerk.db import db, utcnow
from netzwerk.mailing.outbox import queue_mail
from netzwerk.privacy.collect import Person, collect_person, export_document, has_data, person_of
from netzwerk.privacy.erasure import ErasureOutcome, ErasureRefused, erase_person
from netzwerk.privacy.legal import LEGAL_PAGES, stored_page
from netzwerk.privacy.models import ErasureRequest, ErasureRequestState, LegalPage

# --- access and portability (Art. 15/20) -------------------------------------


def export_own_data(user: User) -> dict:
    """What a logged-in person downloads about themselves; not logged, it is their own."""
    return export_document(person_of(user))


def export_person_data(person: Person) -> dict:
    """A coordinator's export for anyone, also a guest known only by address: logged."""
    document = export_document(person)
    found = sum(len(rows) for rows in document["daten"].values())
    record_audit(
        "privacy.export",
        "person",
        person.members[0].id if person.members else None,
        f"Datenauskunft für {person.email} erstellt ({found} Einträge)",
    )
    db.session.flush()
    return document


# --- erasure (Art. 17) -----------------------------------------------------------


def open_erasure_request(user: User) -> ErasureRequest | None:
    theirs = ErasureRequest.email == user.email.lower()
    if user.member is not None:
        theirs = or_(theirs, ErasureRequest.member_id == user.member.id)
    return (
        db.session.execute(
            select(ErasureRequest)
            .where(ErasureRequest.state == ErasureRequestState.OPEN, theirs)
            .order_by(ErasureRequest.requested_dt)
        )
        .scalars()
        .first()
    )


def request_erasure(user: User, note: str = "") -> tuple[ErasureRequest, bool]:
    """Record the request and tell the office; asking twice keeps the first request.

    The office's mail names no one: it only points to the request on the platform,
    so that no personal data piles up in mailboxes.
    """
    existing = open_erasure_request(user)
    if existing is not None:
        return existing, False
    request = ErasureRequest(
        email=user.email.lower(),
        name=user.member.full_name if user.member else user.name,
        member_id=user.member.id if user.member else None,
        note=note,
        requested_dt=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    office_email = current_app.config.get("OFFICE_EMAIL")
    if office_email:
        queue_mail(
            to_email=office_email,
            subject=f"Löschantrag Nr. {request.id} eingegangen",
            template="privacy_erasure_requested",
            number=request.id,
            link=external_url("privacy_admin.overview"),
        )
    return request, True


def close_erasure_request(request: ErasureRequest, closed_by: User, reason: str) -> bool:
    """Settle a request without erasing, e.g. because a duty to keep the data applies.

    False when it was settled already (another coordinator, or an erasure, came first).
    """
    if request.state != ErasureRequestState.OPEN:
        return False
    request.state = ErasureRequestState.CLOSED
    request.settled_dt = utcnow()
    request.settled_by_id = closed_by.id
    record_audit(
        "privacy.request_closed",
        "erasure_request",
        request.id,
        f"Löschantrag ohne Löschung erledigt. Begründung: {reason}",
    )
    db.session.flush()
    return True


def erase(person: Person, erased_by: User, *, notify: bool = False) -> ErasureOutcome:
    """Erase the person (see erasure.py); optionally confirm it to them by mail."""
    if not has_data(collect_person(person)):
        raise ErasureRefused("Zu dieser Adresse sind keine Daten (mehr) gespeichert.")
    outcome = erase_person(person, erased_by)
    if notify:
        # The one row that still holds the address; it leaves with the outbox retention.
        queue_mail(
            to_email=person.email,
            subject="Ihre Daten wurden gelöscht",
            template="privacy_erased",
            reply_to=current_app.config.get("OFFICE_EMAIL"),
        )
    return outcome


# --- legal pages ---------------------------------------------------------------------


def save_legal_page(slug: str, body: str, updated_by: User) -> LegalPage:
    page = stored_page(slug)
    if page is None:
        page = LegalPage(slug=slug, title=LEGAL_PAGES[slug])
        db.session.add(page)
    page.body = body
    page.updated_dt = utcnow()
    page.updated_by_id = updated_by.id
    db.session.flush()
    return page


def reset_legal_page(slug: str) -> None:
    """Back to the built-in text, which follows the configured periods again."""
    page = stored_page(slug)
    if page is not None:
        db.session.delete(page)
        db.session.flush()
