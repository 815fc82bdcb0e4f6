"""The outbox never loses a message and never sends one twice: the mail server going away
mid-batch, two workers at once, a worker killed mid-batch, and the rate limit."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, insert, select, update

from netzwerk.db import db, utcnow
from netzwerk.mailing.delivery import deliver_all
from netzwerk.mailing.models import OutboxMessage, OutboxState
from tests.conftest import free_port

PROJECT = Path(__file__).resolve().parents[2]


class Recorder:
    """An SMTP server that can be slow, or hang up at a given message."""

    def __init__(self, delay: float = 0.0, hang_up_at: int | None = None):
        self.delay = delay
        self.hang_up_at = hang_up_at
        self.wait_for_connections = 0
        self.sessions: set[int] = set()
        self.connections: list = []  # the sessions themselves, so no id is reused
        self.greylisted: set[str] = set()  # answered 451 at RCPT
        self.seen = 0
        self.received: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.greylisted:
            return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if id(session) not in self.sessions:
            self.connections.append(session)
        self.sessions.add(id(session))
        # Hold the first worker until the others are connected too, so that all of
        # them really work at the same time (their start-up time differs).
        deadline = time.monotonic() + 60
        while len(self.sessions) < self.wait_for_connections and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        self.seen += 1
        if self.hang_up_at is not None and self.seen == self.hang_up_at:
            server.transport.close()  # the server goes away in the middle of a send
            return "421 4.3.2 Service shutting down"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(message["To"].addresses[0].addr_spec)
        return "250 OK"


@pytest.fixture()
def recorder(app):
    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    handler.port = port
    try:
        yield handler
    finally:
        controller.stop()


def queue_many(n: int) -> list[str]:
    """n outbox messages in one INSERT (as a list message's fan-out writes them)."""
    now = utcnow()
    emails = [f"empfaenger{i:03d}@example.org" for i in range(n)]
    db.session.execute(
        insert(OutboxMessage),
        [
            {
                "to_email": email,
                "to_name": f"Empfängerin {i}",
                "subject": "Rundbrief „Übergänge“",
                "body_text": "Hallo,\n\nein Rundbrief.",
                "state": OutboxState.QUEUED,
                "next_attempt_dt": now,
                "created_dt": now,
                "attempts": 0,
                "last_error": "",
                "extra_headers": {},
            }
            for i, email in enumerate(emails)
        ],
    )
    db.session.commit()
    return emails


def states() -> Counter:
    db.session.commit()
    return Counter(
        dict(
            db.session.execute(
                select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
            ).all()
        )
    )


def make_due_now() -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == OutboxState.QUEUED)
        .values(next_attempt_dt=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def worker(app, port: int, *args: str, **settings) -> subprocess.Popen:
    """`flask --app netzwerk mail send` in its own process, against the test's database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("NETZWERK_") and key != "DATABASE_URL"
    }
    env.update(
        NETZWERK_SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        NETZWERK_MAIL_SERVER="127.0.0.1",
        NETZWERK_MAIL_PORT=str(port),
        NETZWERK_SECRET_KEY="worker-test-secret",
        NETZWERK_BASE_URL="http://netzwerk.test",
        PYTHONUNBUFFERED="1",
    )
    env.update({f"NETZWERK_{key}": str(value) for key, value in settings.items()})
    # The test's own session must hold no transaction (on SQLite: no lock) meanwhile.
    db.session.commit()
    db.session.close()
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "netzwerk", "mail", "send", *args],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_server_gone_mid_batch_loses_nothing_and_sends_nothing_twice(app, recorder):
    emails = queue_many(6)
    recorder.hang_up_at = 3

    sent, problems = deliver_all()
    assert sent == 2  # the third hung up; the worker stops instead of hammering
    assert problems == 1
    assert states() == Counter({OutboxState.SENT: 2, OutboxState.QUEUED: 4})
    assert deliver_all() == (0, 0)  # the rest waits for its retry time

    recorder.hang_up_at = None  # the server is back
    make_due_now()
    assert deliver_all() == (4, 0)
    assert sorted(recorder.received) == emails  # each exactly once
    assert states() == Counter({OutboxState.SENT: 6})


def test_two_workers_at_once_deliver_every_message_exactly_once(app, recorder):
    emails = queue_many(200)
    recorder.wait_for_connections = 2
    recorder.delay = 0.005
    workers = [worker(app, recorder.port, "--batch-size", "10") for _ in range(2)]
    outputs = [w.communicate(timeout=180) for w in workers]
    for w, (_out, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err
    delivered = [int(out.split(" zugestellt")[0].split()[-1]) for out, _ in outputs]

    assert sorted(recorder.received) == emails  # all 200, none twice
    assert sum(delivered) == 200
    assert all(n > 0 for n in delivered), delivered  # both really worked
    assert states() == Counter({OutboxState.SENT: 200})


def test_a_worker_killed_mid_batch_loses_nothing(app, recorder):
    emails = queue_many(20)
    recorder.delay = 0.3
    victim = worker(app, recorder.port, "--batch-size", "20", MAIL_CLAIM_TIMEOUT=1)
    deadline = time.monotonic() + 60
    while len(recorder.received) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    assert len(recorder.received) >= 3
    assert states()[OutboxState.SENDING] > 0  # claimed by the dead worker

    recorder.delay = 0
    app.config["MAIL_CLAIM_TIMEOUT"] = 1
    time.sleep(1.2)  # the dead worker's claim runs out
    deliver_all()

    copies = Counter(recorder.received)
    assert sorted(copies) == emails  # nothing lost
    assert sum(copies.values()) - len(copies) <= 1  # at most the one in flight twice
    assert states() == Counter({OutboxState.SENT: 20})


def test_rate_limit_spaces_the_messages(app, recorder):
    queue_many(4)
    app.config["MAIL_RATE_PER_MINUTE"] = 600  # one every 0.1 seconds
    started = time.monotonic()
    assert deliver_all() == (4, 0)
    assert time.monotonic() - started >= 0.3
    assert len(recorder.received) == 4


def test_a_claim_taken_over_by_another_worker_is_not_sent_again(app, recorder):
    from netzwerk.mailing import delivery

    queue_many(3)
    # A worker claims the batch, then stalls past the claim timeout...
    stalled = delivery.worker_name()
    assert len(delivery._claim(10, stalled)) == 3
    db.session.execute(
        update(OutboxMessage).values(claimed_dt=utcnow() - delivery.CLAIM_TIMEOUT * 2)
    )
    db.session.commit()
    # ...another takes the messages over and sends them.
    assert deliver_all() == (3, 0)
    # When the stalled worker wakes up, its claims are no longer its own.
    first = db.session.execute(select(OutboxMessage).limit(1)).scalar_one()
    outgoing = delivery.Outgoing(first.id, first.to_email, first.attempts, mail=None)
    db.session.commit()  # the worker writes on a connection of its own (SQLite: one writer)
    results = delivery.ResultLog(stalled)
    try:
        assert results.renew_claim(outgoing) is False
    finally:
        results.close()
    assert len(recorder.received) == 3


def test_one_connection_carries_a_whole_batch(app, recorder):
    emails = queue_many(25)

    assert deliver_all(batch_size=10) == (25, 0)

    assert sorted(recorder.received) == emails
    assert len(recorder.connections) == 3  # batches of 10, 10 and 5, one connection each


def test_a_temporary_refusal_waits_longer_each_time_and_then_goes_out(app, recorder):
    emails = queue_many(3)
    recorder.greylisted = {emails[1]}

    before = utcnow()
    assert deliver_all() == (2, 1)
    waiting = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.to_email == emails[1])
    ).scalar_one()
    assert waiting.state == OutboxState.QUEUED
    assert "451" in waiting.last_error
    first_wait = waiting.next_attempt_dt - before
    assert timedelta(seconds=50) < first_wait < timedelta(minutes=2)

    make_due_now()
    before = utcnow()
    assert deliver_all() == (0, 1)
    db.session.refresh(waiting)
    assert waiting.next_attempt_dt - before > first_wait  # back-off grows

    recorder.greylisted = set()
    make_due_now()
    assert deliver_all() == (1, 0)
    assert sorted(recorder.received) == emails
    assert states() == Counter({OutboxState.SENT: 3})


def test_a_server_that_never_answers_times_out_and_loses_nothing(app):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections but never says hello
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1], MAIL_TIMEOUT=0.5)
    queue_many(2)
    try:
        started = time.monotonic()
        assert deliver_all() == (0, 2)
        assert time.monotonic() - started < 10
    finally:
        silent.close()

    assert states() == Counter({OutboxState.QUEUED: 2})
    errors = db.session.execute(select(OutboxMessage.last_error)).scalars().all()
    assert all("timed out" in e.lower() or "timeout" in e.lower() for e in errors), errors


def test_a_sent_message_is_recorded_with_the_claim_on_the_next_before_that_goes_out(app):
    """After a crash only the message in flight can go out twice: the one before it is
    already recorded as sent, in the same transaction that took the next one."""
    from netzwerk.mailing import delivery

    queue_many(3)
    worker_id = delivery.worker_name()
    first, second, third = [
        delivery.Outgoing(i, "", 0, mail=None, is_list_mail=True)
        for i in delivery._claim(10, worker_id)
    ]

    def committed_states():
        found = states()
        db.session.commit()  # the worker writes on its own connection (SQLite: one writer)
        return found

    results = delivery.ResultLog(worker_id)
    try:
        assert results.renew_claim(first)
        results.record_sent(first)
        assert committed_states() == Counter({OutboxState.SENDING: 3})
        assert results.renew_claim(second)
        assert committed_states() == Counter({OutboxState.SENT: 1, OutboxState.SENDING: 2})
        # The worker dies while sending the second message: nothing else is written.
    finally:
        results.close()
    recorded = db.session.get(OutboxMessage, first.id)
    assert (recorded.attempts, recorded.claimed_by) == (1, None)
    assert recorded.sent_dt is not None
    claims = db.session.execute(
        select(OutboxMessage.claimed_by).where(OutboxMessage.id.in_([second.id, third.id]))
    ).scalars()
    assert set(claims) == {worker_id}  # taken over once the claim runs out


def test_each_delivered_message_costs_one_statement_on_postgresql(app, recorder):
    """One round trip per message there: the previous result and this claim in one
    statement, in autocommit. SQLite, in the process, runs them one by one in a transaction:
    BEGIN IMMEDIATE, sent, the confirmation proof (none for these) and the claim."""
    from tests.mailing.support import count_statements

    per_message = 1 if db.engine.dialect.name == "postgresql" else 4
    queue_many(10)
    with count_statements() as ten:
        assert deliver_all() == (10, 0)
    queue_many(30)
    with count_statements() as thirty:
        assert deliver_all() == (30, 0)
    assert len(thirty) - len(ten) == 20 * per_message
