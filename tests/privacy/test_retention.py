"""`flask privacy purge`: data past its retention period goes, and a second run changes nothing."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from netzwerk.accounts.models import AuditEntry, LoginAttempt
from netzwerk.db import db, utcnow
from netzwerk.events.models import Registration, RegistrationState
from netzwerk.events.operations import Applicant, register
from netzwerk.mailing.models import (
    ListMessage,
    OutboxMessage,
    OutboxState,
    Subscription,
    SubscriptionState,
)
from netzwerk.newcomers.models import Application, ApplicationState
from netzwerk.privacy.cli import register as register_cli
from netzwerk.privacy.erasure import pseudonym
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord, PurgeRun
from netzwerk.privacy.retention import months_before, purge
from tests import factories
from tests.privacy.conftest import consent, count, guest, mailing_list, past_event, register_past


def reload(registration) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


def run_purge(**kwargs) -> PurgeRun:
    run = purge(**kwargs)
    db.session.commit()
    return run


def _member(member) -> Applicant:
    return Applicant.from_member(member, answers={"diet": "vegan"})


# --- participant data of past events ---------------------------------------------------


def test_attended_participants_keep_what_the_certificate_needs(app):
    event = past_event(months_ago=13)
    member = factories.make_member(first_name="Jana", last_name="Kurz")
    registration = register_past(event, _member(member), attended=True)

    run_purge()

    kept = reload(registration)
    assert (kept.first_name, kept.last_name, kept.member_id) == ("Jana", "Kurz", member.id)
    assert kept.attended_dt is not None and kept.anonymised_dt is not None
    assert kept.email == f"geloescht-{kept.id}@invalid"
    assert kept.employer_name == kept.school_name == "" and kept.answers == {}


def test_the_certificate_still_downloads_after_the_purge(client, auth, app):
    event = past_event(months_ago=13)
    member = factories.make_member(with_account=True)
    registration = register_past(event, _member(member), attended=True)
    run_purge()

    auth.login(member.email)
    response = client.get(f"/meine-anmeldungen/{registration.id}/bescheinigung.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"


def test_everyone_else_becomes_anonymous(app):
    event = past_event(months_ago=13, allows_guests=True)
    absent = register_past(event, guest("fehlte@example.org", "Fritz", "Fehlt"))

    run_purge()

    gone = reload(absent)
    assert (gone.first_name, gone.last_name, gone.member_id) == ("gelöscht", "gelöscht", None)
    assert gone.email.endswith("@invalid") and gone.answers == {}
    assert gone.state == RegistrationState.CONFIRMED  # still counts as registered


def test_recent_events_keep_their_participants(app):
    event = past_event(months_ago=11, allows_guests=True)
    recent = register_past(event, guest("neulich@example.org"))

    run_purge()

    assert reload(recent).email == "neulich@example.org"


def test_the_period_is_configurable(app):
    app.config["PRIVACY_EVENT_RETENTION_MONTHS"] = 3
    event = past_event(months_ago=4, allows_guests=True)
    registration = register_past(event, guest("vier@example.org"))

    run_purge()

    assert reload(registration).anonymised_dt is not None


def test_a_guests_consent_is_pseudonymised_with_the_registration(app):
    event = past_event(months_ago=13, allows_guests=True)
    registration = register_past(event, guest("g@example.org"))
    consent("g@example.org", ConsentPurpose.EVENT_REGISTRATION, registration.id)
    db.session.commit()

    run_purge()

    record = db.session.execute(select(ConsentRecord)).scalar_one()
    assert record.email == pseudonym("g@example.org") and record.pseudonymised_dt


def test_log_entries_about_purged_registrations_lose_the_names(app):
    event = past_event(months_ago=13, allows_guests=True)
    registration = register_past(event, guest("g@example.org", "Gisela", "Groß"))
    db.session.add(
        AuditEntry(
            action="registration_cancelled",
            object_type="registration",
            object_id=registration.id,
            summary="Gisela Groß bei „Fachtag“ abgemeldet",
        )
    )
    db.session.commit()

    run_purge()

    entry = db.session.execute(select(AuditEntry)).scalar_one()
    assert "Groß" not in entry.summary


# --- what expires ----------------------------------------------------------------------


def test_unconfirmed_guest_registrations_expire_after_seven_days(app):
    event = factories.make_event(allows_guests=True)
    old = register(event.id, guest("alt@example.org"))
    fresh = register(event.id, guest("frisch@example.org"))
    old.created_dt = utcnow() - timedelta(days=8)
    consent("alt@example.org", ConsentPurpose.EVENT_REGISTRATION, old.id)
    db.session.commit()

    run = run_purge()

    assert run.summary["gastanmeldungen_geloescht"] == 1
    emails = set(db.session.execute(select(Registration.email)).scalars())
    assert emails == {"frisch@example.org"}
    assert count(ConsentRecord) == 0
    assert fresh.state == RegistrationState.UNCONFIRMED


def test_unconfirmed_subscriptions_expire(app):
    newsletter = mailing_list("Rundbrief")
    db.session.add_all(
        [
            Subscription(
                list_id=newsletter.id,
                email="alt@example.org",
                state=SubscriptionState.PENDING,
                requested_dt=utcnow() - timedelta(days=8),
                confirmation_sent_dt=utcnow() - timedelta(days=8),
            ),
            Subscription(
                list_id=newsletter.id,
                email="frisch@example.org",
                state=SubscriptionState.PENDING,
                requested_dt=utcnow() - timedelta(days=1),
                confirmation_sent_dt=utcnow() - timedelta(days=1),
            ),
        ]
    )
    db.session.commit()

    run_purge()

    assert set(db.session.execute(select(Subscription.email)).scalars()) == {"frisch@example.org"}


def test_expired_applications_go(app):
    sent = utcnow() - timedelta(days=8)
    db.session.add(
        Application(
            state=ApplicationState.PENDING,
            first_name="Alt",
            last_name="Anfrage",
            email="alt@example.org",
            consent_text_version="2026-11",
            confirmation_sent_dt=sent,
            created_dt=sent,
        )
    )
    db.session.commit()

    assert run_purge().summary["bewerbungen_geloescht"] == 1
    assert count(Application) == 0


def test_old_sent_mail_leaves_the_outbox(app):
    def message(subject, state, age_days):
        moment = utcnow() - timedelta(days=age_days)
        return OutboxMessage(
            to_email="x@example.org",
            subject=subject,
            body_text="Text",
            state=state,
            created_dt=moment,
            sent_dt=moment if state == OutboxState.SENT else None,
        )

    db.session.add_all(
        [
            message("alt gesendet", OutboxState.SENT, 91),
            message("neu gesendet", OutboxState.SENT, 89),
            message("alt fehlgeschlagen", OutboxState.FAILED, 91),
            message("wartet noch", OutboxState.QUEUED, 200),
        ]
    )
    db.session.commit()

    run_purge()

    subjects = set(db.session.execute(select(OutboxMessage.subject)).scalars())
    assert subjects == {"neu gesendet", "wartet noch"}


def test_old_copies_of_list_messages_keep_their_statistics_but_lose_the_text(app):
    newsletter = mailing_list("Rundbrief")
    message = ListMessage(list_id=newsletter.id, subject="Einladung", body="Liebe Kolleg*innen")
    db.session.add(message)
    db.session.flush()
    old = utcnow() - timedelta(days=91)
    db.session.add(
        OutboxMessage(
            to_email="x@example.org",
            subject="Einladung",
            body_text="Liebe Kolleg*innen",
            body_html="<p>Liebe Kolleg*innen</p>",
            state=OutboxState.SENT,
            created_dt=old,
            sent_dt=old,
            list_message_id=message.id,
        )
    )
    db.session.commit()

    first, second = run_purge(), run_purge()

    copy = db.session.execute(select(OutboxMessage)).scalar_one()
    assert copy.state == OutboxState.SENT and copy.body_text == "" and copy.body_html is None
    assert (first.summary["nachrichten_gekuerzt"], second.summary["nachrichten_gekuerzt"]) == (1, 0)


def test_old_failed_logins_go(app):
    db.session.add_all(
        [
            LoginAttempt(key="email:a@example.org", attempt_dt=utcnow() - timedelta(days=1)),
            LoginAttempt(key="email:b@example.org", attempt_dt=utcnow()),
        ]
    )
    db.session.commit()

    assert run_purge().summary["anmeldeversuche_geloescht"] == 1


def test_pseudonymised_proofs_go_after_three_years(app):
    consent(
        pseudonym("alt@example.org"),
        ConsentPurpose.LIST_SUBSCRIPTION,
        pseudonymised_dt=utcnow() - timedelta(days=3 * 366),
    )
    consent(
        pseudonym("neu@example.org"),
        ConsentPurpose.LIST_SUBSCRIPTION,
        pseudonymised_dt=utcnow() - timedelta(days=300),
    )
    consent("aktiv@example.org", ConsentPurpose.LIST_SUBSCRIPTION)
    db.session.commit()

    run_purge()

    assert count(ConsentRecord) == 2


# --- the run itself ----------------------------------------------------------------------


def test_a_second_run_finds_nothing_to_do(app):
    event = past_event(months_ago=13, allows_guests=True)
    register_past(event, guest("g@example.org"))
    register_past(event, _member(factories.make_member()), attended=True)

    first = run_purge()
    second = run_purge()

    assert first.summary["anmeldungen_anonymisiert"] == 1
    assert first.summary["teilnahmen_anonymisiert"] == 1
    assert set(second.summary.values()) == {0}
    assert count(PurgeRun) == 2


def test_the_command_prints_a_german_summary(app, runner):
    register_cli(app)
    event = past_event(months_ago=13, allows_guests=True)
    register_past(event, guest("g@example.org"))

    result = runner.invoke(args=["privacy", "purge"])

    assert result.exit_code == 0, result.output
    assert "Datenschutz-Bereinigung vom" in result.output
    assert "Anmeldungen vergangener Veranstaltungen anonymisiert: 1" in result.output
    db.session.expire_all()
    assert count(PurgeRun) == 1


def test_the_overview_shows_the_last_run(coordinator_client):
    run_purge()

    html = coordinator_client.get("/verwaltung/datenschutz/").get_data(as_text=True)

    assert "Letzte Bereinigung" in html
    assert "Unbestätigte Gastanmeldungen gelöscht" in html


def test_months_are_counted_on_the_calendar():
    moment = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert months_before(moment, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert months_before(moment, 12) == datetime(2025, 3, 31, 12, tzinfo=UTC)
    assert months_before(moment, 15) == datetime(2024, 12, 31, 12, tzinfo=UTC)
