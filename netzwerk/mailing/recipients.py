"""Who receives a list's mail: confirmed subscribers plus the members its segments match.

Segments are live rules over active members: each rule is the AND of its set
conditions, rules combine by OR, and a rule without conditions matches every active
member (the network's main list). Opted-out and suspended (bouncing) addresses are
left out, and each person gets one copy, however many rules match them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Integer, and_, exists, false, func, literal, or_, select, true, union

from netzwerk.circles.models import CircleMembership, MembershipState
from netzwerk.db import db
from netzwerk.mailing.models import (
    EmailSuppression,
    ListOptOut,
    ListSegment,
    MailingList,
    Subscription,
    SubscriptionState,
)
from netzwerk.members.models import Employer, Member, School, member_schools

VIA_SUBSCRIPTION = "subscription"
VIA_SEGMENT = "segment"


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    first_name: str
    member_id: int | None
    # Why the person receives the list: VIA_SUBSCRIPTION or VIA_SEGMENT (for the footer).
    via: str = VIA_SUBSCRIPTION


def _segment_condition(segment: ListSegment):
    conditions = []
    if segment.group_id is not None:
        conditions.append(Member.group_id == segment.group_id)
    if segment.employer_kind is not None:
        conditions.append(
            Member.employer_id.in_(
                select(Employer.id).where(Employer.kind == segment.employer_kind)
            )
        )
    if segment.school_form is not None:
        conditions.append(_has_school(School.school_form == segment.school_form))
    if segment.district_id is not None:
        conditions.append(_has_school(School.district_id == segment.district_id))
    if segment.circle_id is not None:
        conditions.append(
            exists().where(
                CircleMembership.member_id == Member.id,
                CircleMembership.circle_id == segment.circle_id,
                CircleMembership.state == MembershipState.ACTIVE,
            )
        )
    return and_(*conditions) if conditions else true()


def _has_school(condition):
    return exists().where(
        member_schools.c.member_id == Member.id,
        member_schools.c.school_id == School.id,
        condition,
    )


def segments_condition(segments: Iterable[ListSegment]):
    """A WHERE clause over Member: active and matching any of the rules."""
    rules = [_segment_condition(s) for s in segments]
    if not rules:
        return false()
    return and_(Member.is_active.is_(True), or_(*rules))


def _excluded(mailing_list_id: int):
    """Lower-cased addresses the list must not reach: opted out, or suspended as bouncing."""
    return union(
        select(func.lower(ListOptOut.email)).where(ListOptOut.list_id == mailing_list_id),
        select(EmailSuppression.email).where(EmailSuppression.suspended_dt.is_not(None)),
    )


def _subscriber_rows(mailing_list: MailingList):
    query = (
        select(
            Subscription.email,
            Subscription.name,
            Subscription.member_id,
            Member.first_name,
            Member.last_name,
        )
        .outerjoin(Member, Member.id == Subscription.member_id)
        .where(
            Subscription.list_id == mailing_list.id,
            Subscription.state == SubscriptionState.ACTIVE,
            func.lower(Subscription.email).not_in(_excluded(mailing_list.id)),
        )
        .order_by(Subscription.id)
    )
    return db.session.execute(query).all()


def _segment_rows(mailing_list: MailingList, segments: list[ListSegment]):
    if not segments:
        return []
    query = (
        select(Member.email, Member.id, Member.first_name, Member.last_name)
        .where(
            segments_condition(segments),
            func.lower(Member.email).not_in(_excluded(mailing_list.id)),
        )
        .order_by(Member.last_name, Member.first_name, Member.id)
    )
    return db.session.execute(query).all()


def _segments_of(mailing_list: MailingList) -> list[ListSegment]:
    # A list loaded with selectinload(MailingList.segments) costs no statement here.
    return list(mailing_list.segments)


def list_recipients(mailing_list: MailingList) -> list[Recipient]:
    """Everyone a message to the list reaches now, one entry per address (lower-cased)."""
    recipients: dict[str, Recipient] = {}
    for email, name, member_id, first_name, last_name in _subscriber_rows(mailing_list):
        key = email.strip().lower()
        if key in recipients:
            continue
        if member_id is not None and first_name is not None:
            name = name or f"{first_name} {last_name}"
        recipients[key] = Recipient(
            email=key,
            name=name or "",
            first_name=first_name or "",
            member_id=member_id,
            via=VIA_SUBSCRIPTION,
        )
    for email, member_id, first_name, last_name in _segment_rows(
        mailing_list, _segments_of(mailing_list)
    ):
        key = email.strip().lower()
        if key in recipients:
            continue  # subscribed as well: one copy, and the subscription is the reason
        recipients[key] = Recipient(
            email=key,
            name=f"{first_name} {last_name}",
            first_name=first_name,
            member_id=member_id,
            via=VIA_SEGMENT,
        )
    return list(recipients.values())


def _recipient_emails(mailing_list: MailingList):
    """A SELECT of the lower-cased addresses the list reaches (with duplicates)."""
    parts = [
        select(func.lower(Subscription.email).label("email")).where(
            Subscription.list_id == mailing_list.id,
            Subscription.state == SubscriptionState.ACTIVE,
        )
    ]
    segments = _segments_of(mailing_list)
    if segments:
        parts.append(
            select(func.lower(Member.email).label("email")).where(segments_condition(segments))
        )
    return parts


def count_recipients(mailing_list: MailingList) -> int:
    """How many people a message to the list would reach now, in one statement."""
    return count_recipients_by_list([mailing_list])[mailing_list.id]


def count_recipients_by_list(mailing_lists: Iterable[MailingList]) -> dict[int, int]:
    """{list_id: recipients} for many lists in one statement (load the lists with
    selectinload(MailingList.segments), so that reading the rules costs nothing more)."""
    lists = list(mailing_lists)
    counts = {ml.id: 0 for ml in lists}
    if not lists:
        return counts
    parts = []
    for ml in lists:
        emails = union(*_recipient_emails(ml)).subquery()
        parts.append(
            select(literal(ml.id, Integer).label("list_id"), emails.c.email).where(
                emails.c.email.not_in(_excluded(ml.id))
            )
        )
    everything = union(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    rows = db.session.execute(
        select(everything.c.list_id, func.count()).group_by(everything.c.list_id)
    ).all()
    counts.update(dict(rows))
    return counts


def describe_segments(segments: Iterable[ListSegment]) -> list[str]:
    """Each rule in German words ("Berufsgruppe SOFA und Schulform Grundschule"),
    with the names of groups, districts and circles read in at most three queries."""
    from netzwerk.circles.models import Circle
    from netzwerk.members.models import District, ProfessionalGroup

    segments = list(segments)

    def names(model, ids):
        ids = {i for i in ids if i is not None}
        if not ids:
            return {}
        return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())

    groups = names(ProfessionalGroup, (s.group_id for s in segments))
    districts = names(District, (s.district_id for s in segments))
    circles = names(Circle, (s.circle_id for s in segments))
    descriptions = []
    for segment in segments:
        parts = []
        if segment.group_id is not None:
            parts.append(f"Berufsgruppe {groups.get(segment.group_id, '?')}")
        if segment.employer_kind is not None:
            parts.append(f"Träger {segment.employer_kind.label}")
        if segment.school_form is not None:
            parts.append(f"Schulform {segment.school_form.label}")
        if segment.district_id is not None:
            parts.append(f"Sozialraum {districts.get(segment.district_id, '?')}")
        if segment.circle_id is not None:
            parts.append(f"Qualitätszirkel {circles.get(segment.circle_id, '?')}")
        descriptions.append(" und ".join(parts) if parts else "alle aktiven Mitglieder")
    return descriptions


__all__ = [
    "VIA_SEGMENT",
    "VIA_SUBSCRIPTION",
    "Recipient",
    "count_recipients",
    "count_recipients_by_list",
    "describe_segments",
    "list_recipients",
    "segments_condition",
]
