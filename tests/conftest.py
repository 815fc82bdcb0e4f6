"""Fixtures: an app on SQLite or PostgreSQL (TESTING_DATABASE_URL), clients, a real SMTP server."""

import os
import socket
import threading
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import g, request_started
from sqlalchemy import text

from netzwerk import create_app
from netzwerk.db import db
from netzwerk.mailing.delivery import deliver_all
from tests import factories


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TESTING_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = create_app(_test_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.drop_all()
        db.create_all()
    return url


def _test_config(url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        # Most tests post forms directly; tests/core/test_csrf.py proves CSRF is enforced.
        "WTF_CSRF_ENABLED": False,
        # scrypt is meant to be slow; tests hash hundreds of passwords.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "SERVER_NAME": "netzwerk.test",
        "BASE_URL": "http://netzwerk.test",
        "PREFERRED_URL_SCHEME": "http",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,  # nothing listens; tests that deliver use the smtp fixture
        "MAIL_TIMEOUT": 5,
        "UPLOAD_FOLDER": str(instance / "uploads"),
    }


def _forget_login(sender, **extra):
    # Requests share the test's app context (and so flask.g); each request must load
    # its user from its own session cookie, as in a real browser.
    g.pop("_login_user", None)


@pytest.fixture()
def app(database_url, tmp_path):
    app = create_app(_test_config(database_url, tmp_path))
    request_started.connect(_forget_login, app)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def coordinator(app):
    return factories.make_coordinator()


@pytest.fixture()
def member(app):
    return factories.make_member(with_account=True)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = factories.PASSWORD):
        return self.client.post(
            "/login", data={"email": email, "password": password}, follow_redirects=False
        )

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture()
def auth(client):
    return AuthActions(client)


@pytest.fixture()
def coordinator_client(client, coordinator, auth):
    auth.login(coordinator.email)
    return client


@pytest.fixture()
def member_client(client, member, auth):
    auth.login(member.email)
    return client


# --- a real SMTP server in the test process ----------------------------------


class _Collector:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self, collector, port):
        self.collector = collector
        self.port = port

    @property
    def messages(self):
        return list(self.collector.messages)

    def to(self, address: str):
        return [m for m in self.messages if address.lower() in m["To"].lower()]


@pytest.fixture()
def smtp(app):
    collector = _Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        yield SMTPServer(collector, port)
    finally:
        controller.stop()


@pytest.fixture()
def deliver(app, smtp):
    """Run the outbox worker once and return what the SMTP server received."""

    def run():
        deliver_all()
        return smtp.messages

    return run


def mail_body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()
