"""Demo newcomer applications: some waiting in the coordinator's queue, one unconfirmed."""

from datetime import timedelta

from flask import current_app

from netzwerk.db import db, utcnow
from netzwerk.demo.context import DemoContext
from netzwerk.demo.names import FIRST_NAMES, LAST_NAMES
from netzwerk.demo.people import claim_email, phone_number, pick_employer, taken_member_emails
from netzwerk.newcomers.models import Application, ApplicationState

CONFIRMED_PER_SCALE = 3
PENDING_PER_SCALE = 1

MESSAGES = (
    "Ich habe zum neuen Schuljahr angefangen und freue mich auf den Austausch im Netzwerk.",
    "Ich bin neu an der Schule und suche Kontakt zu Kolleginnen und Kollegen im Sozialraum.",
    "Gibt es einen Qualitätszirkel für meine Schulform? Da würde ich gern mitmachen.",
    "",
)


def build_applications(ctx: DemoContext) -> None:
    rng, now = ctx.rng, utcnow()
    emails = taken_member_emails()
    # Newcomers often start where nobody worked before: the uncovered schools first.
    schools = [s.name for s in ctx.uncovered_schools] + [s.name for s in ctx.covered_schools]
    states = [ApplicationState.CONFIRMED] * (CONFIRMED_PER_SCALE * ctx.scale)
    states += [ApplicationState.PENDING] * (PENDING_PER_SCALE * ctx.scale)
    applications = []
    for index, state in enumerate(states):
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        slug = rng.choice(("schuso", "schuso", "sofa", "mpt", "sds"))
        employer, domain = pick_employer(ctx, slug)
        sent_dt = now - (
            timedelta(days=rng.randint(1, 20))
            if state == ApplicationState.CONFIRMED
            else timedelta(hours=rng.randint(1, 12))
        )
        application = Application(
            state=state,
            first_name=first_name,
            last_name=last_name,
            email=claim_email(emails, first_name, last_name, domain),
            phone=phone_number(ctx),
            group=ctx.groups[slug],
            school_name=schools[index % len(schools)],
            employer_kind=employer.kind,
            employer_name=employer.name,
            message=rng.choice(MESSAGES),
            consent_text_version=current_app.config["CONSENT_TEXT_VERSION"],
            created_dt=sent_dt,
            confirmation_sent_dt=sent_dt,
        )
        if state == ApplicationState.CONFIRMED:
            application.confirmed_dt = sent_dt + timedelta(minutes=rng.randint(5, 600))
        applications.append(application)
    db.session.add_all(applications)
    db.session.flush()
    ctx.counts["Bewerbungen"] = len(applications)
