"""Verbs of mailing lists: settings and segments, subscribing with double opt-in, leaving.

Operations flush and never commit; the request (or CLI command) commits once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from netzwerk.accounts.operations import normalise_email
from netzwerk.audit import record_audit
from netzwerk.core.net import client_ip
from netzwerk.core.timeutil import utc_to_berlin
from netzwerk.core.tokens import InvalidToken, make_token, read_token
from netzwerk.core.urls import external_url
from netzwerk.db import db, utcnow
from netzwerk.mailing.list_queries import all_subscriptions, segments_reach_email
from netzwerk.mailing.models import (
    LegalBasis,
    ListOptOut,
    ListSegment,
    ListVisibility,
    MailingList,
    Subscription,
    SubscriptionState,
)
from netzwerk.mailing.outbox import queue_mail
from netzwerk.mailing.tokens import unsubscribe_url
from netzwerk.members.models import EmployerKind, Member, SchoolForm
from netzwerk.members.school_operations import slugify
from netzwerk.members.transfer import CsvExport, dated_filename
from netzwerk.members.transfer_csv import write_csv
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord

CONFIRM_PURPOSE = "list-confirm"
# Paths below /verteiler/ that a list's slug must not shadow.
RESERVED_SLUGS = frozenset({"abmelden", "bestaetigen"})


def confirm_days() -> int:
    return int(current_app.config.get("MAILING_CONFIRM_DAYS", 7))


class ListError(Exception):
    """A rule of lists was broken; the message says which, in German."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- lists and segments ------------------------------------------------------


@dataclass(frozen=True)
class SegmentRule:
    """The conditions of one segment rule; None means "any"."""

    group_id: int | None = None
    employer_kind: EmployerKind | None = None
    school_form: SchoolForm | None = None
    district_id: int | None = None
    circle_id: int | None = None

    @classmethod
    def of(cls, segment: ListSegment) -> SegmentRule:
        return cls(
            segment.group_id,
            segment.employer_kind,
            segment.school_form,
            segment.district_id,
            segment.circle_id,
        )

    def as_segment(self) -> ListSegment:
        """A transient segment (in no session), e.g. to count what the rule would match."""
        return ListSegment(
            group_id=self.group_id,
            employer_kind=self.employer_kind,
            school_form=self.school_form,
            district_id=self.district_id,
            circle_id=self.circle_id,
        )


@dataclass(frozen=True)
class ListSettings:
    name: str
    description: str = ""
    purpose: str = ""
    legal_basis: LegalBasis = LegalBasis.CONSENT
    visibility: ListVisibility = ListVisibility.CLOSED
    sender_name: str = ""
    reply_to: str = ""
    has_archive: bool = False
    consent_text_version: str = ""


def _check_settings(settings: ListSettings, mailing_list: MailingList | None = None) -> None:
    if settings.visibility == ListVisibility.OPEN and settings.legal_basis != LegalBasis.CONSENT:
        # Strangers who sign up themselves can only be written to with their consent.
        raise ListError(
            "Ein offener Verteiler, in den sich jede Person selbst eintragen kann, braucht "
            "die Einwilligung als Rechtsgrundlage.",
            "legal_basis",
        )
    if settings.legal_basis == LegalBasis.CONSENT and not settings.purpose:
        raise ListError(
            "Bitte beschreiben Sie den Zweck: Er steht neben dem Häkchen der Einwilligung.",
            "purpose",
        )
    taken = select(MailingList.id).where(MailingList.name == settings.name)
    if mailing_list is not None:
        taken = taken.where(MailingList.id != mailing_list.id)
    if db.session.execute(select(exists(taken))).scalar_one():
        raise ListError(f"Einen Verteiler „{settings.name}“ gibt es bereits.", "name")


def _unique_slug(name: str) -> str:
    base = slugify(name) if any(ch.isalnum() for ch in name) else "verteiler"
    if base in RESERVED_SLUGS:
        base = f"{base}-verteiler"
    taken = set(
        db.session.execute(
            select(MailingList.slug).where(MailingList.slug.startswith(base))
        ).scalars()
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _apply(mailing_list: MailingList, settings: ListSettings) -> None:
    mailing_list.name = settings.name
    mailing_list.description = settings.description
    mailing_list.purpose = settings.purpose
    mailing_list.legal_basis = settings.legal_basis
    mailing_list.visibility = settings.visibility
    mailing_list.sender_name = settings.sender_name
    mailing_list.reply_to = settings.reply_to
    mailing_list.has_archive = settings.has_archive
    mailing_list.consent_text_version = (
        settings.consent_text_version or current_app.config["CONSENT_TEXT_VERSION"]
    )


def create_list(settings: ListSettings) -> MailingList:
    """A new list. Its slug (in List-Id and the public address) is fixed from now on."""
    _check_settings(settings)
    mailing_list = MailingList(slug=_unique_slug(settings.name))
    _apply(mailing_list, settings)
    db.session.add(mailing_list)
    db.session.flush()
    return mailing_list


def update_list(mailing_list: MailingList, settings: ListSettings) -> None:
    """Change what people read; the slug stays, so List-Id and filters keep working."""
    _check_settings(settings, mailing_list)
    _apply(mailing_list, settings)
    db.session.flush()


def add_segment(mailing_list: MailingList, rule: SegmentRule) -> ListSegment:
    if any(SegmentRule.of(s) == rule for s in mailing_list.segments):
        raise ListError("Diese Regel gehört schon zum Verteiler.")
    segment = rule.as_segment()
    mailing_list.segments.append(segment)
    db.session.flush()
    return segment


def remove_segment(segment: ListSegment) -> None:
    db.session.delete(segment)
    db.session.flush()


# --- who is on a list ----------------------------------------------------------


def find_subscription(mailing_list: MailingList, email: str, *, lock: bool = False):
    query = select(Subscription).where(
        Subscription.list_id == mailing_list.id, Subscription.email == normalise_email(email)
    )
    if lock:
        query = query.with_for_update()
    return db.session.execute(query).scalar_one_or_none()


def _is_opted_out(mailing_list: MailingList, email: str) -> bool:
    return db.session.execute(
        select(exists().where(ListOptOut.list_id == mailing_list.id, ListOptOut.email == email))
    ).scalar_one()


def is_reached(mailing_list: MailingList, email: str) -> bool:
    """Whether list mail goes to this address now (as subscriber or through a segment)."""
    email = normalise_email(email)
    if _is_opted_out(mailing_list, email):
        return False
    subscription = find_subscription(mailing_list, email)
    if subscription is not None and subscription.state == SubscriptionState.ACTIVE:
        return True
    return segments_reach_email(mailing_list, email)


def _member_id(email: str) -> int | None:
    return db.session.execute(select(Member.id).where(Member.email == email)).scalar_one_or_none()


def _new_subscription(mailing_list: MailingList, email: str) -> Subscription:
    """A new row; if a parallel request (a double click) just made it, that one."""
    try:
        with db.session.begin_nested():
            subscription = Subscription(list_id=mailing_list.id, email=email)
            db.session.add(subscription)
    except IntegrityError:
        return find_subscription(mailing_list, email, lock=True)
    return subscription


def _pending(mailing_list: MailingList, email: str, name: str) -> Subscription:
    """The address's subscription, (re)started as a pending request from this request."""
    subscription = find_subscription(mailing_list, email, lock=True) or _new_subscription(
        mailing_list, email
    )
    subscription.state = SubscriptionState.PENDING
    subscription.name = name or subscription.name
    subscription.member_id = _member_id(email)
    subscription.consent_text_version = mailing_list.consent_text_version
    subscription.requested_dt = utcnow()
    subscription.request_ip = client_ip()
    subscription.confirmed_dt = None
    subscription.confirmed_ip = ""
    subscription.unsubscribed_dt = None
    return subscription


def _send_confirmation(subscription: Subscription, *, invited: bool) -> None:
    db.session.flush()
    mailing_list = subscription.mailing_list
    message = queue_mail(
        to_email=subscription.email,
        to_name=subscription.name,
        subject=f"Bitte bestätigen Sie: {mailing_list.name}",
        template="mailing_confirm",
        mailing_list=mailing_list,
        invited=invited,
        link=external_url("mailing.confirm", token=confirm_token(subscription)),
        days=confirm_days(),
    )
    # The worker fills in confirmation_sent_dt once this mail has really gone out.
    subscription.confirmation_message_id = message.id
    subscription.confirmation_sent_dt = None


def _send_already_subscribed(mailing_list: MailingList, email: str) -> None:
    # No name: the one typed into the form may come from someone else.
    queue_mail(
        to_email=email,
        subject=f"Sie sind bereits angemeldet: {mailing_list.name}",
        template="mailing_already_subscribed",
        mailing_list=mailing_list,
        unsubscribe_link=unsubscribe_url(mailing_list, email),
    )


def request_subscription(mailing_list: MailingList, email: str, name: str = "") -> None:
    """Someone asks to join an open list: a pending request and a confirmation mail.

    The caller shows the same page whatever happens here, so the form tells no one
    whether an address is on the list. An address that already receives the list gets
    a short note instead of a second confirmation.
    """
    if mailing_list.visibility != ListVisibility.OPEN:
        raise ListError("In diesen Verteiler kann man sich nicht selbst eintragen.")
    purge_pending_subscriptions()  # expired requests go even where no one runs the purge
    email = normalise_email(email)
    if is_reached(mailing_list, email):
        _send_already_subscribed(mailing_list, email)
        return
    _send_confirmation(_pending(mailing_list, email, name), invited=False)
    db.session.flush()


class AddOutcome(enum.Enum):
    ADDED = "added"
    INVITED = "invited"
    ALREADY = "already"


def add_subscriber(mailing_list: MailingList, email: str, name: str = "") -> AddOutcome:
    """The office adds an address. Lists that rest on consent get an invitation only:
    nobody is on such a list before they confirmed it themselves."""
    email = normalise_email(email)
    if is_reached(mailing_list, email):
        return AddOutcome.ALREADY
    if mailing_list.legal_basis == LegalBasis.CONSENT:
        subscription = _pending(mailing_list, email, name)
        subscription.request_ip = ""  # the office asked, not the person
        _send_confirmation(subscription, invited=True)
        record_audit(
            "list.invite",
            "mailing_list",
            mailing_list.id,
            f"{email} zur Bestätigung von „{mailing_list.name}“ eingeladen",
        )
        db.session.flush()
        return AddOutcome.INVITED
    subscription = _pending(mailing_list, email, name)
    subscription.request_ip = ""
    subscription.state = SubscriptionState.ACTIVE
    subscription.consent_text_version = ""  # public task: no consent asked
    _lift_opt_out(mailing_list, email)
    record_audit(
        "list.add", "mailing_list", mailing_list.id, f"{email} in „{mailing_list.name}“ eingetragen"
    )
    db.session.flush()
    return AddOutcome.ADDED


def confirm_token(subscription: Subscription) -> str:
    # The address is part of the token: a deleted request's id may be used again.
    return make_token(CONFIRM_PURPOSE, [subscription.id, subscription.email])


def subscription_for_token(token: str, *, lock: bool = False) -> Subscription:
    """The subscription a confirmation link names. Raises InvalidToken."""
    payload = read_token(CONFIRM_PURPOSE, token, timedelta(days=confirm_days()))
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        raise InvalidToken()
    subscription = db.session.get(Subscription, payload[0], with_for_update=lock or None)
    if subscription is None or subscription.email != payload[1]:
        raise InvalidToken()
    return subscription


def _record_consent(subscription: Subscription, now: datetime, ip: str) -> None:
    if subscription.mailing_list.legal_basis != LegalBasis.CONSENT:
        return
    db.session.add(
        ConsentRecord(
            email=subscription.email,
            purpose=ConsentPurpose.LIST_SUBSCRIPTION,
            subject_ref=str(subscription.list_id),
            text_version=subscription.consent_text_version,
            given_dt=now,
            given_ip=ip,
        )
    )


def _lift_opt_out(mailing_list: MailingList, email: str) -> None:
    db.session.execute(
        delete(ListOptOut).where(ListOptOut.list_id == mailing_list.id, ListOptOut.email == email)
    )


def confirm_subscription(subscription: Subscription) -> None:
    """The owner of the address confirmed: the subscription is active, the consent proven."""
    if subscription.state != SubscriptionState.PENDING:
        raise ListError("Diese Anmeldung ist nicht (mehr) offen.")
    now, ip = utcnow(), client_ip()
    subscription.state = SubscriptionState.ACTIVE
    subscription.confirmed_dt = now
    subscription.confirmed_ip = ip
    _record_consent(subscription, now, ip)
    _lift_opt_out(subscription.mailing_list, subscription.email)
    db.session.flush()


def member_may_join(mailing_list: MailingList) -> bool:
    return mailing_list.visibility in (ListVisibility.OPEN, ListVisibility.MEMBERS)


def subscribe_member(mailing_list: MailingList, member: Member) -> None:
    """A logged-in member joins. The account proves the address: no mail round trip."""
    email = member.email
    if segments_reach_email(mailing_list, email):
        _lift_opt_out(mailing_list, email)  # back on through the segment
        db.session.flush()
        return
    if not member_may_join(mailing_list):
        raise ListError("In diesen Verteiler trägt nur die Koordinierungsstelle ein.")
    subscription = find_subscription(mailing_list, email, lock=True)
    if subscription is not None and subscription.state == SubscriptionState.ACTIVE:
        _lift_opt_out(mailing_list, email)
        db.session.flush()
        return
    subscription = _pending(mailing_list, email, member.full_name)
    subscription.member_id = member.id
    now, ip = utcnow(), client_ip()
    subscription.state = SubscriptionState.ACTIVE
    subscription.confirmed_dt = now
    subscription.confirmed_ip = ip
    _record_consent(subscription, now, ip)
    _lift_opt_out(mailing_list, email)
    db.session.flush()


# --- leaving -------------------------------------------------------------------------


@dataclass(frozen=True)
class UnsubscribeOutcome:
    subscription_ended: bool
    opted_out: bool


def _withdraw_consent(mailing_list: MailingList, email: str, now: datetime) -> None:
    db.session.execute(
        update(ConsentRecord)
        .where(
            ConsentRecord.email == email,
            ConsentRecord.purpose == ConsentPurpose.LIST_SUBSCRIPTION,
            ConsentRecord.subject_ref == str(mailing_list.id),
            ConsentRecord.withdrawn_dt.is_(None),
        )
        .values(withdrawn_dt=now)
    )


def opt_out(mailing_list: MailingList, email: str) -> bool:
    """Record that segments of this list must not reach the address. Idempotent."""
    email = normalise_email(email)
    if _is_opted_out(mailing_list, email):
        return False
    try:
        # One-click mail programs may POST twice at once; the second finds the first's row.
        with db.session.begin_nested():
            db.session.add(ListOptOut(list_id=mailing_list.id, email=email))
    except IntegrityError:
        return False
    return True


def unsubscribe(mailing_list: MailingList, email: str) -> UnsubscribeOutcome:
    """The address leaves the list at once, whichever way it was on it. Idempotent.

    A subscription ends (state and time kept as the record of the withdrawal); a member
    whom the list's segments reach, or might reach after a change of group or school,
    gets an opt-out, so no rule brings them back.
    """
    email = normalise_email(email)
    now = utcnow()
    ended = False
    subscription = find_subscription(mailing_list, email, lock=True)
    if subscription is not None and subscription.state != SubscriptionState.UNSUBSCRIBED:
        subscription.state = SubscriptionState.UNSUBSCRIBED
        subscription.unsubscribed_dt = now
        ended = True
    _withdraw_consent(mailing_list, email, now)
    opted_out = False
    if mailing_list.segments and _member_id(email) is not None:
        opted_out = opt_out(mailing_list, email)
    db.session.flush()
    return UnsubscribeOutcome(ended, opted_out)


def remove_subscriber(subscription: Subscription) -> None:
    """The office takes an address off the list; the consent proof stays, withdrawn."""
    mailing_list = subscription.mailing_list
    _withdraw_consent(mailing_list, subscription.email, utcnow())
    record_audit(
        "list.remove",
        "mailing_list",
        mailing_list.id,
        f"{subscription.email} aus „{mailing_list.name}“ entfernt",
    )
    db.session.delete(subscription)
    db.session.flush()


def unsubscribe_by_office(mailing_list: MailingList, email: str) -> UnsubscribeOutcome:
    """An unsubscribe request that reached the office by mail (List-Unsubscribe mailto)."""
    outcome = unsubscribe(mailing_list, email)
    record_audit(
        "list.unsubscribe",
        "mailing_list",
        mailing_list.id,
        f"{normalise_email(email)} auf Wunsch von „{mailing_list.name}“ abgemeldet",
    )
    return outcome


# --- housekeeping --------------------------------------------------------------


def purge_pending_subscriptions(now: datetime | None = None) -> int:
    """Delete requests that were not confirmed within MAILING_CONFIRM_DAYS."""
    cutoff = (now or utcnow()) - timedelta(days=confirm_days())
    result = db.session.execute(
        delete(Subscription)
        .where(
            Subscription.state == SubscriptionState.PENDING,
            Subscription.requested_dt < cutoff,
        )
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


# --- export ----------------------------------------------------------------------

SUBSCRIBER_HEADER = [
    "E-Mail",
    "Name",
    "Status",
    "Angefragt am",
    "Anfrage von IP",
    "Bestätigungsmail am",
    "Bestätigt am",
    "Bestätigt von IP",
    "Fassung Einwilligungstext",
    "Abgemeldet am",
]
STATE_LABELS = {
    SubscriptionState.PENDING: "ausstehend",
    SubscriptionState.ACTIVE: "aktiv",
    SubscriptionState.UNSUBSCRIBED: "abgemeldet",
}


def _local(value: datetime | None) -> str:
    return utc_to_berlin(value).strftime("%d.%m.%Y %H:%M") if value else ""


def export_subscribers(mailing_list: MailingList) -> CsvExport:
    """The subscribers with their consent proof as Excel CSV; recorded in the audit log."""
    subscriptions = all_subscriptions(mailing_list.id)
    rows = (
        [
            s.email,
            s.name,
            STATE_LABELS[s.state],
            _local(s.requested_dt),
            s.request_ip,
            _local(s.confirmation_sent_dt),
            _local(s.confirmed_dt),
            s.confirmed_ip,
            s.consent_text_version,
            _local(s.unsubscribed_dt),
        ]
        for s in subscriptions
    )
    content = write_csv(SUBSCRIBER_HEADER, rows)
    record_audit(
        "export",
        "mailing_list",
        mailing_list.id,
        f"{len(subscriptions)} Abonnements von „{mailing_list.name}“ exportiert",
    )
    db.session.flush()
    return CsvExport(dated_filename(f"verteiler-{mailing_list.slug}"), content, len(subscriptions))
