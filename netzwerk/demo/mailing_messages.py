"""Demo list messages: a few sent ones in the archives, the latest with its per-recipient
delivery record (one address bounced and is suspended), a draft and a planned message.

Runs after the lists builder (netzwerk/demo/mailing.py). The latest message is fanned
out through the real operation so its copies look exactly like real ones, then marked
as delivered at once: nothing the demo writes waits in the outbox to be sent.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select, update

from netzwerk.core.timeutil import berlin_today, combine_berlin
from netzwerk.db import db, utcnow
from netzwerk.demo.context import MEMBER_EMAIL, DemoContext
from netzwerk.demo.names import CITY
from netzwerk.events.models import Event, EventKind, EventState
from netzwerk.mailing.messages import fan_out
from netzwerk.mailing.models import (
    EmailSuppression,
    ListMessage,
    ListMessageState,
    MailingList,
    OutboxMessage,
    OutboxState,
)
from netzwerk.mailing.recipients import count_recipients

BOUNCE_ERROR = (
    "SMTPRecipientsRefused: 550 5.1.1 Recipient address rejected: "
    "User unknown in virtual mailbox table"
)

# (list slug, days ago, subject, body)
ARCHIVE = (
    (
        "netzwerk",
        75,
        "Rückblick auf das Netzwerktreffen im Herbst",
        "Liebe Kolleginnen und Kollegen,\n\n"
        "vielen Dank für das volle Haus beim Netzwerktreffen! Die wichtigsten Punkte:\n\n"
        "- Die **Qualitätszirkel** starten im neuen Halbjahr wieder, Termine folgen.\n"
        "- Für den Fachtag im Frühjahr sammeln wir ab sofort Themenvorschläge.\n"
        "- Das Protokoll liegt im Bereich *Qualitätszirkel* für Mitglieder bereit.\n\n"
        "Herzliche Grüße aus der Koordinierungsstelle",
    ),
    (
        "netzwerk",
        40,
        "Themenvorschläge für den Fachtag gesucht",
        "Liebe Kolleginnen und Kollegen,\n\n"
        "was soll beim nächsten Fachtag auf die Tagesordnung? Schlagen Sie Themen vor "
        "und stimmen Sie über die Vorschläge anderer ab – im Bereich „Themen“ der "
        "Plattform.\n\nVielen Dank für Ihre Ideen!",
    ),
    (
        "newsletter",
        60,
        f"Newsletter Schulsozialarbeit {CITY}: Ausgabe Herbst",
        "In dieser Ausgabe:\n\n"
        "1. Neue Fachkräfte an zwölf Grundschulen\n"
        "2. Fortbildung „Kinderschutz in der Schule“: noch Plätze frei\n"
        "3. Rückblick auf den Fachtag „Übergänge gestalten“\n\n"
        "Alle Termine finden Sie jederzeit im "
        "[Veranstaltungskalender](https://www.example.org/veranstaltungen).",
    ),
    (
        "newsletter",
        25,
        f"Newsletter Schulsozialarbeit {CITY}: Ausgabe Winter",
        "In dieser Ausgabe:\n\n"
        "1. Der Jahresbericht der Koordinierungsstelle ist erschienen\n"
        "2. Sprechstunden der Schulsozialarbeit in den Ferien\n"
        "3. Termine im ersten Halbjahr\n\n"
        "Fragen und Hinweise? Antworten Sie einfach auf diese E-Mail.",
    ),
    (
        "alle-sofa",
        30,
        "Austausch der SOFA-Fachkräfte zur Schuleingangsphase",
        "Liebe SOFA-Kolleginnen und -Kollegen,\n\n"
        "wir laden Sie zu einem Austausch über die Schuleingangsphase ein. Bringen Sie "
        "gern Beispiele aus Ihrer Arbeit mit: Was gelingt, wo hakt es?",
    ),
)

LATEST = (
    "netzwerk",
    3,
    "Einladung zum nächsten Netzwerktreffen",
    "Liebe Kolleginnen und Kollegen,\n\n"
    "herzlich willkommen zu unserem nächsten **Netzwerktreffen**. Wir stellen die "
    "Ergebnisse der Qualitätszirkel vor und planen gemeinsam den Fachtag.\n\n"
    "Bitte melden Sie sich über die Veranstaltungsseite an, damit wir planen können.",
)


def _lists() -> dict[str, MailingList]:
    return {ml.slug: ml for ml in db.session.execute(select(MailingList)).scalars()}


def _next_event(kind: EventKind) -> Event | None:
    return db.session.execute(
        select(Event)
        .where(Event.kind == kind, Event.state == EventState.PUBLISHED, Event.start_dt > utcnow())
        .order_by(Event.start_dt)
        .limit(1)
    ).scalar_one_or_none()


def _sent_at(days_ago: int) -> datetime:
    return combine_berlin(berlin_today() - timedelta(days=days_ago), time(9, 15))


def _archive_message(ctx: DemoContext, mailing_list: MailingList, days_ago: int, subject, body):
    sent = _sent_at(days_ago)
    db.session.add(
        ListMessage(
            mailing_list=mailing_list,
            subject=subject,
            body=body,
            greet_by_name=True,
            author_id=ctx.coordinator_id,
            state=ListMessageState.SENT,
            sent_dt=sent,
            created_dt=sent - timedelta(hours=20),
            updated_dt=sent,
            recipient_count=count_recipients(mailing_list),
        )
    )


def _latest_with_delivery_record(ctx: DemoContext, mailing_list: MailingList) -> None:
    slug, days_ago, subject, body = LATEST
    meeting = _next_event(EventKind.NETZWERKTREFFEN)
    message = ListMessage(
        mailing_list=mailing_list,
        subject=subject,
        body=body,
        greet_by_name=True,
        event_id=meeting.id if meeting else None,
        author_id=ctx.coordinator_id,
        state=ListMessageState.DRAFT,
    )
    db.session.add(message)
    db.session.flush()
    fan_out(message)
    sent = _sent_at(days_ago)
    message.sent_dt = sent
    message.created_dt = sent - timedelta(days=1)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.list_message_id == message.id)
        .values(
            state=OutboxState.SENT,
            attempts=1,
            created_dt=sent,
            next_attempt_dt=sent,
            sent_dt=sent + timedelta(minutes=2),
        )
        .execution_options(synchronize_session=False)
    )
    # One colleague's mailbox no longer exists: refused three times, now suspended.
    bounced = db.session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.list_message_id == message.id, OutboxMessage.to_email != MEMBER_EMAIL)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if bounced is None:
        return
    bounced.state, bounced.sent_dt, bounced.last_error = OutboxState.FAILED, None, BOUNCE_ERROR
    db.session.add(
        EmailSuppression(
            email=bounced.to_email.lower(),
            reason=BOUNCE_ERROR,
            bounce_count=3,
            suspended_dt=sent + timedelta(minutes=2),
            last_bounce_dt=sent + timedelta(minutes=2),
            created_dt=sent - timedelta(days=40),
        )
    )


def _draft_and_planned(ctx: DemoContext, lists: dict[str, MailingList]) -> None:
    fachtag = _next_event(EventKind.FACHTAG)
    if "newsletter" in lists:
        db.session.add(
            ListMessage(
                mailing_list=lists["newsletter"],
                subject=f"Newsletter Schulsozialarbeit {CITY}: Ausgabe Frühjahr",
                body="In dieser Ausgabe:\n\n1. Der Fachtag im Frühjahr\n2. …",
                greet_by_name=False,
                event_id=fachtag.id if fachtag else None,
                author_id=ctx.coordinator_id,
                state=ListMessageState.DRAFT,
            )
        )
    if "netzwerk" in lists and fachtag is not None:
        db.session.add(
            ListMessage(
                mailing_list=lists["netzwerk"],
                subject=f"Erinnerung: Anmeldung zum Fachtag „{fachtag.title}“",
                body=(
                    "Liebe Kolleginnen und Kollegen,\n\nfür den Fachtag sind noch Plätze "
                    "frei. Melden Sie sich gern bis Ende der Woche an."
                ),
                greet_by_name=True,
                event_id=fachtag.id,
                author_id=ctx.coordinator_id,
                state=ListMessageState.SCHEDULED,
                scheduled_dt=combine_berlin(berlin_today() + timedelta(days=5), time(8, 0)),
            )
        )


def build_messages(ctx: DemoContext) -> None:
    lists = _lists()
    count = 0
    for slug, days_ago, subject, body in ARCHIVE:
        if slug in lists:
            _archive_message(ctx, lists[slug], days_ago, subject, body)
            count += 1
    if LATEST[0] in lists:
        _latest_with_delivery_record(ctx, lists[LATEST[0]])
        count += 1
    _draft_and_planned(ctx, lists)
    db.session.flush()
    ctx.counts["versandte Verteiler-Nachrichten"] = count
