"""Bouncing addresses: counted, suspended from list mail after the threshold, lifted again."""

from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from netzwerk.db import db
from netzwerk.mailing.delivery import deliver_all
from netzwerk.mailing.messages import retry_failed, send_now
from netzwerk.mailing.models import EmailSuppression, OutboxMessage, OutboxState
from netzwerk.mailing.outbox import queue_mail
from netzwerk.mailing.recipients import list_recipients
from tests import factories
from tests.conftest import free_port
from tests.helpers import statements_for, text_of
from tests.mailing.support import (
    write_message,
)

GONE = "weg@example.org"


class RejectGone:
    """Refuses one mailbox with 550, accepts everything else."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == GONE:
            return "550 5.1.1 <weg@example.org>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture()
def server(app):
    handler = RejectGone()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, OFFICE_EMAIL="buero@example.org")
    try:
        yield handler
    finally:
        controller.stop()


def _list():
    factories.make_member(email=GONE, first_name="Wera")
    factories.make_member(email="da@example.org", first_name="Dana")
    return factories.make_mailing_list(name="Alle", segments=[{}])


def _send_round(mailing_list, n):
    message = write_message(mailing_list, subject=f"Runde {n}")
    send_now(message)
    db.session.commit()
    deliver_all()
    return message


def test_a_refused_address_fails_alone_with_the_servers_reason(coordinator_client, server):
    mailing_list = _list()
    message = _send_round(mailing_list, 1)
    assert [m["To"].addresses[0].addr_spec for m in server.received] == ["da@example.org"]

    page = coordinator_client.get(f"/verwaltung/verteiler/nachrichten/{message.id}/ergebnis")
    text = text_of(page.get_data(as_text=True))
    assert "Zugestellt 1" in text
    assert "Fehlgeschlagen 1" in text
    assert GONE in text
    assert "550" in text and "User unknown" in text


def test_after_three_permanent_failures_the_address_gets_no_more_list_mail(app, server):
    mailing_list = _list()
    for n in range(1, 4):
        _send_round(mailing_list, n)
    suppression = db.session.execute(select(EmailSuppression)).scalar_one()
    assert suppression.email == GONE
    assert suppression.bounce_count == 3
    assert suppression.suspended_dt is not None
    assert [r.email for r in list_recipients(mailing_list)] == ["da@example.org"]

    # The office is told once.
    notices = [m for m in server.received if "buero@example.org" in m["To"]]
    assert len(notices) == 1
    assert GONE in notices[0]["Subject"]

    # Transactional mail still goes to a suspended address.
    queue_mail(to_email=GONE, subject="Passwort", template="password_reset", link="x", hours=1)
    db.session.commit()
    deliver_all()
    last = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.subject == "Passwort")
    ).scalar_one()
    assert last.state == OutboxState.FAILED  # tried: the server refused it, we did not skip it


def test_retry_sends_failed_ones_again_but_not_to_suspended_addresses(app, server):
    mailing_list = _list()
    factories.make_member(email="spaeter@example.org")
    message = write_message(mailing_list)
    send_now(message)
    db.session.commit()
    # Pretend two failed: one for a suspended address, one for a temporary reason.
    for email in (GONE, "spaeter@example.org"):
        row = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.to_email == email)
        ).scalar_one()
        row.state = OutboxState.FAILED
        row.attempts = 8
    db.session.add(EmailSuppression(email=GONE, bounce_count=3, suspended_dt=message.sent_dt))
    db.session.commit()

    assert retry_failed(message) == 1
    db.session.commit()
    deliver_all()
    addresses = sorted(m["To"].addresses[0].addr_spec for m in server.received)
    assert addresses == ["da@example.org", "spaeter@example.org"]


def test_coordinator_retries_failed_ones_from_the_results_page(coordinator_client, server):
    mailing_list = _list()
    message = _send_round(mailing_list, 1)
    url = f"/verwaltung/verteiler/nachrichten/{message.id}"
    response = coordinator_client.post(f"{url}/erneut-senden", follow_redirects=True)
    assert "1 fehlgeschlagene Nachrichten werden erneut versendet" in response.get_data(
        as_text=True
    )
    row = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.to_email == GONE)
    ).scalar_one()
    assert row.state == OutboxState.QUEUED


def test_coordinator_marks_a_bounce_and_lifts_the_suspension(coordinator_client, server):
    mailing_list = _list()
    message = write_message(mailing_list)
    send_now(message)
    db.session.commit()
    url = f"/verwaltung/verteiler/nachrichten/{message.id}"

    response = coordinator_client.post(
        f"{url}/unzustellbar", data={"email": "da@example.org", "reason": "Postfach voll"}
    )
    assert response.status_code == 302
    suppression = db.session.execute(select(EmailSuppression)).scalar_one()
    assert (suppression.bounce_count, suppression.suspended_dt) == (1, None)

    coordinator_client.post(
        f"{url}/unzustellbar",
        data={"email": "Da@Example.org", "reason": "Adresse gelöscht", "suspend_now": "y"},
    )
    db.session.refresh(suppression)
    assert suppression.suspended_dt is not None
    assert "da@example.org" not in {r.email for r in list_recipients(mailing_list)}

    page = coordinator_client.get("/verwaltung/verteiler/unzustellbar").get_data(as_text=True)
    assert "da@example.org" in page and "Adresse gelöscht" in page
    coordinator_client.post(f"/verwaltung/verteiler/unzustellbar/{suppression.id}/aufheben")
    db.session.refresh(suppression)
    assert suppression.suspended_dt is None
    assert "da@example.org" in {r.email for r in list_recipients(mailing_list)}


def test_a_bad_address_in_the_bounce_form_is_explained(coordinator_client, server):
    mailing_list = _list()
    message = write_message(mailing_list)
    send_now(message)
    db.session.commit()
    response = coordinator_client.post(
        f"/verwaltung/verteiler/nachrichten/{message.id}/unzustellbar",
        data={"email": "keine adresse"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "gültige E-Mail-Adresse" in page and "keine adresse" in page
    assert db.session.execute(select(EmailSuppression)).first() is None


def test_results_and_suppression_pages_cost_the_same_for_many_failures(coordinator_client, server):
    mailing_list = _list()
    message = _send_round(mailing_list, 1)
    results = f"/verwaltung/verteiler/nachrichten/{message.id}/ergebnis"
    suppressions = "/verwaltung/verteiler/unzustellbar"
    before = (
        statements_for(coordinator_client, results),
        statements_for(coordinator_client, suppressions),
    )
    for n in range(5):
        email = f"weg{n}@example.org"
        db.session.add(EmailSuppression(email=email, bounce_count=1))
        db.session.add(
            OutboxMessage(
                to_email=email,
                subject=message.subject,
                body_text="x",
                list_message_id=message.id,
                state=OutboxState.FAILED,
                last_error="SMTPRecipientsRefused: 550",
            )
        )
    db.session.commit()
    after = (
        statements_for(coordinator_client, results),
        statements_for(coordinator_client, suppressions),
    )
    assert after == before
    assert "weg4@example.org" in coordinator_client.get(results).get_data(as_text=True)
