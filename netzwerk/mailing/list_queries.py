"""Reads for the list pages: overview with counts, segment counts, a member's lists.

Segment rules come from recipients.segments_condition, the same SQL that decides who
a message reaches, so the numbers shown are the numbers sent to.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import selectinload

from netzwerk.circles.models import Circle
from netzwerk.db import db
from netzwerk.mailing.models import (
    ListOptOut,
    ListSegment,
    ListVisibility,
    MailingList,
    Subscription,
    SubscriptionState,
)
from netzwerk.mailing.recipients import count_recipients_by_list, segments_condition
from netzwerk.members.models import District, Member, ProfessionalGroup


def _lists(query) -> list[MailingList]:
    return list(
        db.session.execute(
            query.options(selectinload(MailingList.segments)).order_by(MailingList.name)
        ).scalars()
    )


# --- coordinator -------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    mailing_list: MailingList
    recipients: int
    active: int
    pending: int

    @property
    def kind(self) -> str:
        has_segments = bool(self.mailing_list.segments)
        if has_segments and self.active:
            return "beides"
        return "Segment" if has_segments else "Abonnement"


def subscription_counts(list_ids: list[int]) -> dict[int, dict[SubscriptionState, int]]:
    counts: dict[int, dict[SubscriptionState, int]] = {i: {} for i in list_ids}
    if not list_ids:
        return counts
    rows = db.session.execute(
        select(Subscription.list_id, Subscription.state, func.count())
        .where(Subscription.list_id.in_(list_ids))
        .group_by(Subscription.list_id, Subscription.state)
    )
    for list_id, state, count in rows:
        counts[list_id][state] = count
    return counts


def list_overview() -> list[ListRow]:
    lists = _lists(select(MailingList))
    ids = [ml.id for ml in lists]
    subscriptions = subscription_counts(ids)
    recipients = count_recipients_by_list(lists)
    return [
        ListRow(
            ml,
            recipients.get(ml.id, 0),
            subscriptions[ml.id].get(SubscriptionState.ACTIVE, 0),
            subscriptions[ml.id].get(SubscriptionState.PENDING, 0),
        )
        for ml in lists
    ]


def list_with_segments(list_id: int) -> MailingList:
    return db.one_or_404(
        select(MailingList)
        .where(MailingList.id == list_id)
        .options(selectinload(MailingList.segments))
    )


def count_matching(segments: list[ListSegment]) -> list[int]:
    """Active members each rule matches now, in one statement for all rules."""
    if not segments:
        return []
    columns = [func.count(case((segments_condition([s]), Member.id))) for s in segments]
    return list(db.session.execute(select(*columns).select_from(Member)).one())


def opt_out_count(list_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(ListOptOut).where(ListOptOut.list_id == list_id)
    ).scalar_one()


def subscribers_page(list_id: int, page: int, per_page: int):
    query = (
        select(Subscription)
        .where(Subscription.list_id == list_id)
        .order_by(
            case((Subscription.state == SubscriptionState.UNSUBSCRIBED, 1), else_=0),
            Subscription.email,
        )
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def all_subscriptions(list_id: int) -> list[Subscription]:
    return list(
        db.session.execute(
            select(Subscription).where(Subscription.list_id == list_id).order_by(Subscription.email)
        ).scalars()
    )


def opt_outs(list_id: int) -> list[ListOptOut]:
    return list(
        db.session.execute(
            select(ListOptOut).where(ListOptOut.list_id == list_id).order_by(ListOptOut.email)
        ).scalars()
    )


@dataclass(frozen=True)
class SegmentChoices:
    groups: list[ProfessionalGroup]
    districts: list[District]
    circles: list[Circle]

    def describe(self, segment) -> str:
        """ "SOFA · Grundschule · Sozialraum Nord" or "Alle aktiven Mitglieder"."""
        groups = {g.id: g.name for g in self.groups}
        districts = {d.id: d.name for d in self.districts}
        circles = {c.id: c.name for c in self.circles}
        parts = []
        if segment.group_id is not None:
            parts.append(groups.get(segment.group_id, "Berufsgruppe"))
        if segment.employer_kind is not None:
            parts.append(f"Träger: {segment.employer_kind.label}")
        if segment.school_form is not None:
            parts.append(segment.school_form.label)
        if segment.district_id is not None:
            parts.append(f"Sozialraum {districts.get(segment.district_id, '')}".strip())
        if segment.circle_id is not None:
            parts.append(f"QZ {circles.get(segment.circle_id, '')}".strip())
        return " · ".join(parts) if parts else "Alle aktiven Mitglieder"


def segment_choices() -> SegmentChoices:
    from netzwerk.members.queries import all_districts, all_groups

    circles = list(db.session.execute(select(Circle).order_by(Circle.name)).scalars())
    return SegmentChoices(all_groups(), all_districts(), circles)


# --- public and members --------------------------------------------------------


def list_by_slug(slug: str, *, closed_too: bool = False) -> MailingList:
    """The list with this slug, or 404; a closed list only when asked for (it has no page)."""
    query = select(MailingList).where(MailingList.slug == slug)
    if not closed_too:
        query = query.where(MailingList.visibility != ListVisibility.CLOSED)
    return db.one_or_404(query.options(selectinload(MailingList.segments)))


def segments_reach_email(mailing_list: MailingList, email: str) -> bool:
    if not mailing_list.segments:
        return False
    return db.session.execute(
        select(
            exists().where(
                Member.email == email.strip().lower(), segments_condition(mailing_list.segments)
            )
        )
    ).scalar_one()


@dataclass(frozen=True)
class MemberListState:
    mailing_list: MailingList
    subscription: SubscriptionState | None
    via_segment: bool
    opted_out: bool

    @property
    def receives(self) -> bool:
        if self.opted_out:
            return False
        return self.via_segment or self.subscription == SubscriptionState.ACTIVE

    @property
    def label(self) -> str:
        if self.receives:
            return "Sie erhalten diesen Verteiler"
        if self.subscription == SubscriptionState.PENDING:
            return "Anmeldung noch nicht bestätigt"
        if self.opted_out or self.subscription == SubscriptionState.UNSUBSCRIBED:
            return "Abgemeldet"
        return "Nicht angemeldet"

    @property
    def reason(self) -> str:
        if not self.receives:
            return ""
        if self.via_segment:
            return "automatisch als Mitglied des Netzwerks"
        return "weil Sie ihn abonniert haben"

    @property
    def may_join(self) -> bool:
        if self.receives:
            return False
        return self.via_segment or self.mailing_list.visibility != ListVisibility.CLOSED


def lists_for_member(member: Member) -> list[MemberListState]:
    """Every list a member may join, and every list that reaches or reached them."""
    email = member.email
    lists = _lists(select(MailingList))
    subscriptions = dict(
        db.session.execute(
            select(Subscription.list_id, Subscription.state).where(Subscription.email == email)
        ).all()
    )
    opted_out = set(
        db.session.execute(select(ListOptOut.list_id).where(ListOptOut.email == email)).scalars()
    )
    reached = _segment_reach(member, [ml for ml in lists if ml.segments])
    states = [
        MemberListState(ml, subscriptions.get(ml.id), ml.id in reached, ml.id in opted_out)
        for ml in lists
    ]
    return [
        s
        for s in states
        if s.mailing_list.visibility != ListVisibility.CLOSED
        or s.via_segment
        or s.subscription is not None
    ]


def _segment_reach(member: Member, lists: list[MailingList]) -> set[int]:
    """Ids of the lists whose segments match the member now, in one statement."""
    if not lists:
        return set()
    columns = [
        exists().where(Member.id == member.id, segments_condition(ml.segments)).label(f"l{i}")
        for i, ml in enumerate(lists)
    ]
    flags = db.session.execute(select(*columns)).one()
    return {ml.id for ml, flag in zip(lists, flags, strict=True) if flag}
