"""Demo mailing lists: the network's main list, one list per Berufsgruppe (segments), and
a newsletter with external subscribers who gave consent by double opt-in.

Rows are written directly, not through the subscribe operations: a demo must not fill
the outbox with confirmation mails.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from netzwerk.db import db, utcnow
from netzwerk.demo.context import (
    MEMBER_EMAIL,
    DemoContext,
    UniqueNames,
    insert_rows,
    mail_local_part,
)
from netzwerk.demo.names import CITY, FIRST_NAMES, LAST_NAMES
from netzwerk.mailing.models import (
    LegalBasis,
    ListOptOut,
    ListSegment,
    ListVisibility,
    MailingList,
    Subscription,
    SubscriptionState,
)
from netzwerk.members.models import Member
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord

MAIN_LIST_SLUG = "netzwerk"
NEWSLETTER_SLUG = "newsletter"
GROUP_LIST_PREFIX = "alle-"

# External newsletter readers per scale: teachers, school heads, youth welfare staff.
EXTERNAL_SUBSCRIBERS = 30
EXTERNAL_DOMAINS = (
    "schulen-musterstadt.example.org",
    "jugendamt.musterstadt.example.org",
    "post.example.org",
    "mailbox.example.org",
)
PENDING_SHARE = 0.08
UNSUBSCRIBED_SHARE = 0.08
MEMBER_READERS_SHARE = 0.15  # members who also read the newsletter
OPTED_OUT_MEMBERS = 2  # members who left the main list's segment


def build_lists(ctx: DemoContext) -> None:
    office = current_app.config["OFFICE_NAME"]
    office_email = current_app.config["OFFICE_EMAIL"]
    version = current_app.config["CONSENT_TEXT_VERSION"]
    main = MailingList(
        slug=MAIN_LIST_SLUG,
        name="Netzwerk Soziale Arbeit an Schulen",
        description=(
            "Der Verteiler des ganzen Netzwerks: Termine, Fachtage, Fortbildungen und "
            f"Neuigkeiten der {office} für alle Fachkräfte in {CITY}."
        ),
        purpose="Information der Fachkräfte des Netzwerks über Termine und Angebote.",
        legal_basis=LegalBasis.PUBLIC_TASK,
        visibility=ListVisibility.MEMBERS,
        sender_name=office,
        reply_to=office_email,
        has_archive=True,
        consent_text_version=version,
        segments=[ListSegment()],  # a rule without conditions: every active member
    )
    group_lists = [
        MailingList(
            slug=f"{GROUP_LIST_PREFIX}{slug}",
            name=f"Alle {group.name}",
            description=f"Informationen nur für die Berufsgruppe {group.name}"
            + (f" ({group.description})." if group.description else "."),
            purpose=f"Information der Berufsgruppe {group.name} im Netzwerk.",
            legal_basis=LegalBasis.PUBLIC_TASK,
            visibility=ListVisibility.MEMBERS,
            sender_name=office,
            reply_to=office_email,
            has_archive=True,
            consent_text_version=version,
            segments=[ListSegment(group_id=group.id)],
        )
        for slug, group in ctx.groups.items()
    ]
    newsletter = MailingList(
        slug=NEWSLETTER_SLUG,
        name="Newsletter Schulsozialarbeit",
        description=(
            "Einmal im Monat: Neues aus der Schulsozialarbeit in "
            f"{CITY}, Termine und Fachtage – auch für Lehrkräfte, Schulleitungen und "
            "Partner aus der Jugendhilfe."
        ),
        purpose=(
            f"Ich möchte den Newsletter der {office} per E-Mail erhalten. "
            "Meine Adresse wird nur dafür gespeichert."
        ),
        legal_basis=LegalBasis.CONSENT,
        visibility=ListVisibility.OPEN,
        sender_name=office,
        reply_to=office_email,
        has_archive=True,
        consent_text_version=version,
    )
    lists = [main, *group_lists, newsletter]
    db.session.add_all(lists)
    db.session.flush()
    _newsletter_readers(ctx, newsletter, version)
    _opt_outs(ctx, main)
    ctx.counts["Verteiler"] = len(lists)


def _ip(ctx: DemoContext) -> str:
    # Documentation ranges (RFC 5737): no real address appears in the demo.
    prefix = ctx.rng.choice(("192.0.2", "198.51.100", "203.0.113"))
    return f"{prefix}.{ctx.rng.randint(1, 254)}"


def _newsletter_readers(ctx: DemoContext, newsletter: MailingList, version: str) -> None:
    rng, now = ctx.rng, utcnow()
    emails = UniqueNames()
    people = []
    for _ in range(EXTERNAL_SUBSCRIBERS * ctx.scale):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        domain = rng.choice(EXTERNAL_DOMAINS)
        local = mail_local_part(first, last)
        email = emails.claim(f"{local}@{domain}", lambda n, lo=local, d=domain: f"{lo}{n}@{d}")
        people.append((email, f"{first} {last}", None))
    members = db.session.execute(
        select(Member.email, Member.first_name, Member.last_name, Member.id).where(Member.is_active)
    ).all()
    for email, first, last, member_id in rng.sample(
        members, int(len(members) * MEMBER_READERS_SHARE)
    ):
        if emails.is_free(email):
            emails.claim(email)
            people.append((email, f"{first} {last}", member_id))

    subscriptions, consents = [], []
    for email, name, member_id in people:
        roll = rng.random()
        requested = now - timedelta(days=rng.randint(2, 400), minutes=rng.randint(0, 1440))
        row = {
            "list_id": newsletter.id,
            "email": email,
            "name": name,
            "member_id": member_id,
            "consent_text_version": version,
            "requested_dt": requested,
            "request_ip": _ip(ctx),
            "confirmation_sent_dt": requested + timedelta(seconds=rng.randint(5, 90)),
            "confirmed_dt": None,
            "confirmed_ip": "",
            "unsubscribed_dt": None,
            "state": SubscriptionState.PENDING,
        }
        if roll < PENDING_SHARE:
            # Waiting for confirmation: recent, or the purge would delete it at once.
            row["requested_dt"] = now - timedelta(hours=rng.randint(1, 48))
            row["confirmation_sent_dt"] = row["requested_dt"] + timedelta(seconds=30)
        else:
            confirmed = requested + timedelta(minutes=rng.randint(2, 600))
            row.update(
                state=SubscriptionState.ACTIVE, confirmed_dt=confirmed, confirmed_ip=_ip(ctx)
            )
            withdrawn = None
            if roll < PENDING_SHARE + UNSUBSCRIBED_SHARE:
                withdrawn = confirmed + (now - confirmed) / 2
                row.update(state=SubscriptionState.UNSUBSCRIBED, unsubscribed_dt=withdrawn)
            consents.append(
                {
                    "email": email,
                    "purpose": ConsentPurpose.LIST_SUBSCRIPTION,
                    "subject_ref": str(newsletter.id),
                    "text_version": version,
                    "given_dt": confirmed,
                    "given_ip": row["confirmed_ip"],
                    "withdrawn_dt": withdrawn,
                }
            )
        subscriptions.append(row)
    insert_rows(Subscription, subscriptions)
    insert_rows(ConsentRecord, consents)


def _opt_outs(ctx: DemoContext, main: MailingList) -> None:
    emails = db.session.execute(
        select(Member.email)
        .where(Member.is_active, Member.email != MEMBER_EMAIL)  # the demo login stays on
        .order_by(Member.id)
    ).scalars()
    chosen = ctx.rng.sample(list(emails), OPTED_OUT_MEMBERS)
    insert_rows(ListOptOut, [{"list_id": main.id, "email": e} for e in chosen])
