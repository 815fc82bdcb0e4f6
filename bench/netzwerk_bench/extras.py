"""The measurements besides the load: queueing a list message, outbox delivery to a local
SMTP sink, and the CSV import. Each prepares its data in this process and then times
the real thing: the web request against gunicorn, or `flask mail send`."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

from flask import Flask
from netzwerk_bench.database import Database, app_environment
from netzwerk_bench.load import fetch
from netzwerk_bench.scenarios import route_exists
from netzwerk_bench.server import free_port
from netzwerk_bench.settings import ROOT
from sqlalchemy import delete, func, insert, select

from netzwerk.db import db, utcnow
from netzwerk.demo.context import COORDINATOR_EMAIL
from netzwerk.mailing.models import OutboxMessage, OutboxState
from netzwerk.members.models import Employer, Member, School

SEND_PATH = "/verwaltung/verteiler/nachrichten/{id}/senden"
IMPORT_PATH = "/verwaltung/daten/import"
IMPORT_CONFIRM_PATH = "/verwaltung/daten/import/bestaetigen"


def missing(reason: str) -> dict:
    return {"missing": reason}


# --- queueing a list message ------------------------------------------------------------


def queue_list_message(app: Flask, base_url: str, cookie: str, recipients: int) -> dict:
    """Time of the web request that queues one list message to `recipients` addresses."""
    if not route_exists(app, "POST", SEND_PATH.format(id=1)):
        return missing("Route fehlt")
    with app.app_context():
        _empty_outbox()
        message_id = _list_with_draft(recipients)
        db.session.commit()
    status, headers, _, seconds = fetch(
        base_url, "POST", SEND_PATH.format(id=message_id), _form_headers(cookie), b""
    )
    with app.app_context():
        queued = _count(OutboxMessage.list_message_id == message_id)
        db.engine.dispose()
    return {
        "recipients": recipients,
        "queued": queued,
        "status": status,
        "seconds": seconds,
        "ok": status in (302, 303) and queued == recipients,
    }


def list_with_subscribers(slug: str, name: str, recipients: int):
    """A mailing list with that many confirmed subscriptions, inserted in one statement."""
    from netzwerk.mailing.models import MailingList, Subscription, SubscriptionState

    mailing_list = MailingList(slug=slug, name=name)
    db.session.add(mailing_list)
    db.session.flush()
    now = utcnow()
    db.session.execute(
        insert(Subscription),
        [
            {
                "list_id": mailing_list.id,
                "email": f"empfaenger{n}@verteiler.example.org",
                "name": f"Empfängerin {n}",
                "state": SubscriptionState.ACTIVE,
                "requested_dt": now,
                "confirmed_dt": now,
            }
            for n in range(recipients)
        ],
    )
    return mailing_list


def _list_with_draft(recipients: int) -> int:
    from netzwerk.accounts.models import User
    from netzwerk.mailing import messages

    mailing_list = list_with_subscribers(
        f"benchmark-{uuid.uuid4().hex[:8]}", "Benchmark-Verteiler", recipients
    )
    author = db.session.execute(select(User).where(User.email == COORDINATOR_EMAIL)).scalar_one()
    message = messages.create_draft(
        mailing_list,
        author=author,
        subject="Einladung zum Netzwerktreffen",
        body="Liebe Kolleginnen und Kollegen,\n\nwir laden Sie herzlich zum nächsten "
        "**Netzwerktreffen** ein.\n\nViele Grüße\nIhre Koordinierungsstelle",
        greet_by_name=True,
        event_id=None,
    )
    return message.id


def _empty_outbox() -> None:
    """The benchmark's database is thrown away: earlier mails (registrations) go, so that
    the delivery below sends exactly the list message."""
    from netzwerk.mailing.models import OutboxAttachment

    db.session.execute(delete(OutboxAttachment))
    db.session.execute(delete(OutboxMessage))


def _count(*where) -> int:
    return db.session.execute(
        select(func.count()).select_from(OutboxMessage).where(*where)
    ).scalar_one()


def _form_headers(cookie: str, content_type="application/x-www-form-urlencoded") -> dict:
    return {"Cookie": cookie, "Content-Type": content_type}


# --- outbox delivery ----------------------------------------------------------------------


def deliver_outbox(app: Flask, database: Database, fallback_messages: int) -> dict:
    """`flask mail send` against a local SMTP server: messages per second over its one
    connection, from the first to the last arrival."""
    with app.app_context():
        waiting = _count(OutboxMessage.state == OutboxState.QUEUED)
        if not waiting:
            _queue_plain_messages(fallback_messages)
            db.session.commit()
            waiting = fallback_messages
        db.engine.dispose()
    port = free_port()
    sink = subprocess.Popen(  # noqa: S603
        [sys.executable, str(Path(__file__).with_name("smtp_sink.py")), str(port)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        if sink.stdout.readline().strip() != "ready":
            raise RuntimeError("Der SMTP-Server des Benchmarks startete nicht.")
        env = app_environment(
            database,
            NETZWERK_MAIL_SERVER="127.0.0.1",
            NETZWERK_MAIL_PORT=str(port),
            NETZWERK_MAIL_USE_TLS="false",
            NETZWERK_MAIL_USE_SSL="false",
        )
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603
            [str(Path(sys.executable).with_name("flask")), "--app", "netzwerk", "mail", "send",
             "--batch-size", "500"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        received, _ = sink.communicate(timeout=30)  # closes its input: it stops and reports
    finally:
        if sink.poll() is None:
            sink.kill()
            sink.wait()
    arrivals = json.loads(received)
    span = arrivals["last"] - arrivals["first"] if arrivals["count"] > 1 else 0.0
    return {
        "messages": waiting,
        "delivered": arrivals["count"],
        "seconds": seconds,
        "per_second": (arrivals["count"] - 1) / span if span else 0.0,
        "ok": done.returncode == 0 and arrivals["count"] == waiting,
        "output": (done.stdout + done.stderr).strip()[-500:],
    }


def _queue_plain_messages(count: int) -> None:
    now = utcnow()
    db.session.execute(
        insert(OutboxMessage),
        [
            {
                "to_email": f"empfaenger{n}@verteiler.example.org",
                "to_name": f"Empfängerin {n}",
                "subject": "Einladung zum Netzwerktreffen",
                "body_text": "Liebe Kolleginnen und Kollegen,\n\nwir laden Sie herzlich ein.\n",
                "state": OutboxState.QUEUED,
                "next_attempt_dt": now,
                "created_dt": now,
            }
            for n in range(count)
        ],
    )


# --- CSV import -------------------------------------------------------------------------


def import_members_csv(app: Flask, base_url: str, cookie: str, rows: int) -> dict:
    """Upload (checked, shown as preview) and confirmation (written): both web requests."""
    with app.app_context():
        data = _members_csv(rows)
        before = db.session.execute(select(func.count()).select_from(Member)).scalar_one()
        db.engine.dispose()
    boundary = uuid.uuid4().hex
    body = _multipart(boundary, {"kind": "mitglieder"}, ("file", "mitglieder.csv", data))
    status, _, page, upload_seconds = fetch(
        base_url,
        "POST",
        IMPORT_PATH,
        _form_headers(cookie, f"multipart/form-data; boundary={boundary}"),
        body,
    )
    token = re.search(rb'name="token"[^>]*value="([0-9a-f]{32})"', page) or re.search(
        rb'value="([0-9a-f]{32})"[^>]*name="token"', page
    )
    result = {"rows": rows, "upload_status": status, "upload_seconds": upload_seconds}
    if status != 200 or token is None:
        return {**result, "ok": False, "seconds": upload_seconds}
    form = f"token={token.group(1).decode()}&run=Import+ausf%C3%BChren".encode()
    status, _, _, confirm_seconds = fetch(
        base_url, "POST", IMPORT_CONFIRM_PATH, _form_headers(cookie), form
    )
    with app.app_context():
        after = db.session.execute(select(func.count()).select_from(Member)).scalar_one()
        db.engine.dispose()
    return {
        **result,
        "confirm_status": status,
        "confirm_seconds": confirm_seconds,
        "seconds": upload_seconds + confirm_seconds,
        "created": after - before,
        "ok": status == 200 and after - before == rows,
    }


def _members_csv(rows: int) -> bytes:
    """New people at existing schools and Träger, as a coordinator's Excel export looks."""
    from netzwerk.demo.names import FIRST_NAMES, LAST_NAMES

    schools = db.session.execute(select(School.name).order_by(School.id).limit(200)).scalars()
    schools = list(schools)
    employers = db.session.execute(select(Employer.kind, Employer.name).order_by(Employer.id)).all()
    groups = ("SchuSo", "SchuSo", "SOFA", "MPT", "SDS")
    out = io.StringIO()
    out.write("Vorname;Nachname;E-Mail;Telefon;Berufsgruppe;Träger-Art;Träger;Schulen;Aktiv\r\n")
    for n in range(rows):
        first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n * 7) % len(LAST_NAMES)]
        kind, employer = employers[n % len(employers)]
        school = schools[n % len(schools)] if schools else ""
        out.write(
            f"{first};{last};import{n}@import.example.org;0123 4567-{n % 90 + 10};"
            f"{groups[n % len(groups)]};{kind.label};{employer};{school};ja\r\n"
        )
    return out.getvalue().encode("utf-8-sig")


def _multipart(boundary: str, fields: dict[str, str], file: tuple[str, str, bytes]) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            .encode()
        )  # fmt: skip
    name, filename, data = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)
