"""Reads for the coordinator's data protection pages."""

from datetime import timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from netzwerk.accounts.models import AuditEntry
from netzwerk.core.timeutil import combine_berlin
from netzwerk.db import db
from netzwerk.privacy.erasure import pseudonym
from netzwerk.privacy.forms import AuditFilterForm
from netzwerk.privacy.models import ConsentRecord, ErasureRequest, ErasureRequestState

RECENTLY_SETTLED = 10


def open_erasure_requests() -> list[ErasureRequest]:
    return (
        db.session.execute(
            select(ErasureRequest)
            .options(joinedload(ErasureRequest.member))
            .where(ErasureRequest.state == ErasureRequestState.OPEN)
            .order_by(ErasureRequest.requested_dt, ErasureRequest.id)
        )
        .scalars()
        .all()
    )


def recently_settled_requests() -> list[ErasureRequest]:
    return (
        db.session.execute(
            select(ErasureRequest)
            .options(joinedload(ErasureRequest.settled_by))
            .where(ErasureRequest.state != ErasureRequestState.OPEN)
            .order_by(ErasureRequest.settled_dt.desc(), ErasureRequest.id.desc())
            .limit(RECENTLY_SETTLED)
        )
        .scalars()
        .all()
    )


def requests_of(person_condition) -> list[ErasureRequest]:
    return (
        db.session.execute(
            select(ErasureRequest)
            .where(person_condition, ErasureRequest.state == ErasureRequestState.OPEN)
            .order_by(ErasureRequest.requested_dt)
        )
        .scalars()
        .all()
    )


def audit_actions() -> list[str]:
    return list(
        db.session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
        .scalars()
        .all()
    )


def filtered_audit_entries(filters: AuditFilterForm) -> Select:
    query = select(AuditEntry).options(joinedload(AuditEntry.actor))
    if filters.aktion.data:
        query = query.where(AuditEntry.action == filters.aktion.data)
    if filters.von.data and not filters.von.errors:
        query = query.where(AuditEntry.created_dt >= combine_berlin(filters.von.data))
    if filters.bis.data and not filters.bis.errors:
        # Up to the end of that day in Berlin: the start of the next one, exclusive.
        query = query.where(
            AuditEntry.created_dt < combine_berlin(filters.bis.data + timedelta(days=1))
        )
    return query.order_by(AuditEntry.created_dt.desc(), AuditEntry.id.desc())


def pseudonymised_consents(email: str) -> tuple[int, object]:
    """How many proofs of consent were kept for an erased address, and since when."""
    return db.session.execute(
        select(func.count(ConsentRecord.id), func.min(ConsentRecord.pseudonymised_dt)).where(
            ConsentRecord.email == pseudonym(email)
        )
    ).one()
