"""The SMTP connection verifies the server's certificate and gives up after MAIL_TIMEOUT.

A local SMTP server with a certificate from a CA made for the test (trustme): with
MAIL_CA_FILE pointing at that CA the mail is delivered; without it the certificate is
refused, and the message stays in the outbox with the reason recorded.
"""

import socket
import ssl
import threading
import time

import pytest
import trustme
from aiosmtpd.controller import Controller
from sqlalchemy import select

from netzwerk.db import db
from netzwerk.mailing.delivery import deliver_all
from netzwerk.mailing.models import OutboxMessage, OutboxState
from netzwerk.mailing.outbox import queue_mail
from tests.conftest import _Collector, free_port


@pytest.fixture(scope="module")
def ca():
    return trustme.CA(organization_name="Netzwerk Test-CA")


@pytest.fixture()
def ca_file(ca, tmp_path):
    path = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(ca) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(params=["starttls", "implicit-tls"])
def tls_smtp(request, app, ca):
    """A TLS SMTP server on 127.0.0.1: STARTTLS on a plain port, or TLS from the start."""
    collector, port = _Collector(), free_port()
    if request.param == "starttls":
        controller = Controller(
            collector,
            hostname="127.0.0.1",
            port=port,
            tls_context=server_context(ca),
            require_starttls=True,
        )
        app.config.update(MAIL_USE_TLS=True, MAIL_USE_SSL=False)
    else:
        controller = Controller(
            collector, hostname="127.0.0.1", port=port, ssl_context=server_context(ca)
        )
        app.config.update(MAIL_USE_TLS=False, MAIL_USE_SSL=True)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        yield collector
    finally:
        controller.stop()


def queue_one() -> int:
    message = queue_mail(
        to_email="anna.schmidt@example.org",
        to_name="Anna Schmidt",
        subject="Passwort zurücksetzen",
        template="password_reset",
        link="http://netzwerk.test/x",
        hours=2,
    )
    message_id = message.id  # read before the commit: reading after it would open a transaction
    db.session.commit()
    return message_id


def outbox_message(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.execute(
        select(OutboxMessage).where(OutboxMessage.id == message_id)
    ).scalar_one()


def test_delivery_works_when_the_servers_ca_is_trusted(app, tls_smtp, ca_file):
    app.config["MAIL_CA_FILE"] = ca_file
    message_id = queue_one()

    assert deliver_all() == (1, 0)

    assert len(tls_smtp.messages) == 1
    assert tls_smtp.messages[0]["Subject"] == "Passwort zurücksetzen"
    assert outbox_message(message_id).state == OutboxState.SENT


def test_an_untrusted_certificate_is_refused_and_the_mail_waits(app, tls_smtp):
    app.config["MAIL_CA_FILE"] = None  # the system's CA store does not know the test CA
    message_id = queue_one()

    assert deliver_all() == (0, 1)

    assert tls_smtp.messages == []
    message = outbox_message(message_id)
    assert message.state == OutboxState.QUEUED
    assert message.attempts == 1
    assert "CERTIFICATE_VERIFY_FAILED" in message.last_error


def test_a_certificate_for_another_host_is_refused(app, ca, ca_file):
    # Signed by a trusted CA, but for another name: verification checks the host too.
    collector, port = _Collector(), free_port()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("mail.example.org").configure_cert(context)
    controller = Controller(collector, hostname="127.0.0.1", port=port, ssl_context=context)
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_SSL=True, MAIL_CA_FILE=ca_file
    )
    try:
        message_id = queue_one()
        assert deliver_all() == (0, 1)
    finally:
        controller.stop()

    assert collector.messages == []
    assert "CERTIFICATE_VERIFY_FAILED" in outbox_message(message_id).last_error


class StalledServer:
    """Accepts TCP connections, then says nothing more (or only its greeting)."""

    def __init__(self, greeting: bytes):
        self.greeting = greeting
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.connections.append(connection)
            if self.greeting:
                connection.sendall(self.greeting)

    def close(self):
        self.listener.close()
        for connection in self.connections:
            connection.close()


@pytest.mark.parametrize(
    "greeting", [b"", b"220 mail.example.org ESMTP\r\n"], ids=["silent", "stalls-after-greeting"]
)
def test_a_server_that_never_answers_times_out_instead_of_hanging(app, greeting):
    server = StalledServer(greeting)
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False, MAIL_TIMEOUT=1
    )
    message_id = queue_one()
    outcome = {}

    def worker():
        with app.app_context():
            started = time.monotonic()
            outcome["result"] = deliver_all()
            outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=worker, daemon=True)
    try:
        thread.start()
        thread.join(timeout=15)
        assert not thread.is_alive(), "the mail worker hangs"
    finally:
        server.close()

    assert outcome["result"] == (0, 1)
    assert outcome["seconds"] < 5
    message = outbox_message(message_id)
    assert message.state == OutboxState.QUEUED
    assert "timed out" in message.last_error
