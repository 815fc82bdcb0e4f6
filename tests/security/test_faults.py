"""Faults the platform rides out: a briefly locked SQLite database, a PostgreSQL restart,
an unreachable database, an instance folder that cannot be written, and a full disk.

The lock test exists only in the SQLite round, the restart test only in the PostgreSQL
round (TESTING_DATABASE_URL, set by .ci/with-postgres); neither is skipped in the other.
"""

import errno
import io
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from netzwerk.circles import queries as circles_queries
from netzwerk.circles.forms import occurrence_key
from netzwerk.circles.models import Minutes
from netzwerk.db import db, utcnow
from netzwerk.files import storage
from netzwerk.files.models import StoredFile
from netzwerk.mailing.models import ListMessage
from netzwerk.members.models import Member
from netzwerk.newcomers.models import Application
from tests import factories
from tests.conftest import free_port
from tests.factories import PASSWORD, get_group

ON_POSTGRESQL = bool(os.environ.get("TESTING_DATABASE_URL"))


def application_form(email="lena.neu@example.org") -> dict:
    return {
        "first_name": "Lena",
        "last_name": "Neu",
        "email": email,
        "group": str(get_group("schuso").id),
        "consent": "y",
    }


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


if not ON_POSTGRESQL:

    def test_a_briefly_locked_database_makes_a_post_wait_then_succeed(app, client):
        form = application_form()
        db.session.commit()  # the test's own session holds no lock
        path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
        other_process = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other_process.execute("BEGIN IMMEDIATE")  # SQLite's write lock, held for a second
        release = threading.Timer(1.0, lambda: other_process.execute("COMMIT"))
        release.start()
        try:
            started = time.monotonic()
            response = client.post("/mitmachen", data=form)
            waited = time.monotonic() - started
        finally:
            release.join()
            other_process.close()

        assert response.status_code == 302
        assert waited >= 0.9  # it waited for the lock (busy_timeout) instead of failing
        assert count(Application) == 1


if ON_POSTGRESQL:

    def restart_postgresql() -> None:
        pg_ctl = Path(os.environ["PG_BIN"]) / "pg_ctl"
        data = Path(os.environ["PG_DATA"])
        # -l: the server must not inherit our pipes, or run() would wait for it forever.
        command = [str(pg_ctl), "-D", str(data), "-l", str(data.parent / "server.log")]
        command += ["-m", "fast", "-w", "restart"]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=120)

    def test_after_a_postgresql_restart_the_next_request_succeeds(app, client, member):
        email = member.email
        db.session.commit()
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        assert client.get("/konto").status_code == 200
        # Each real request ends by handing its connection back; here requests share
        # the test's app context, so hand it back as the end of a request would.
        db.session.remove()
        assert db.engine.pool.checkedin() >= 1  # a pooled connection the restart will cut

        restart_postgresql()

        # pool_pre_ping finds the dead connection and opens a new one; no error reaches anyone.
        assert client.get("/konto").status_code == 200
        assert client.post("/mitmachen", data=application_form()).status_code == 302
        assert count(Application) == 1


def test_an_unreachable_database_gives_a_german_503_page(other_app):
    nowhere = f"postgresql+psycopg://netzwerk@127.0.0.1:{free_port()}/netzwerk"
    client = other_app(SQLALCHEMY_DATABASE_URI=nowhere, PROPAGATE_TEST_ERRORS=False).test_client()

    page = client.get("/veranstaltungen/")
    health = client.get("/healthz")

    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "Vorübergehend nicht verfügbar" in html
    assert f"Vorgangsnummer {page.headers['X-Request-ID']}" in html
    assert "psycopg" not in html and "Traceback" not in html
    assert health.status_code == 503


def test_an_upload_into_a_read_only_instance_folder_fails_clearly(
    app, coordinator_client, tmp_path, make_read_only
):
    folder = tmp_path / "imports"
    folder.mkdir()
    make_read_only(folder)
    app.config["IMPORT_FOLDER"] = str(folder)
    csv = b"Vorname;Nachname;E-Mail\r\nAnna;Schmidt;anna.schmidt@example.org\r\n"
    members_before = count(Member)

    response = coordinator_client.post(
        "/verwaltung/daten/import",
        data={"kind": "mitglieder", "file": (io.BytesIO(csv), "mitglieder.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "voll oder schreibgeschützt" in html
    assert "nicht übernommen" in html
    assert list(folder.iterdir()) == []  # no half-written file
    assert count(Member) == members_before


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_an_attachment_into_a_read_only_upload_folder_fails_clearly(
    app, client, auth, tmp_path, make_read_only
):
    moderator = factories.make_member(first_name="Mona", with_account=True)
    circle = factories.make_circle(moderators=[moderator])
    meeting = circles_queries.past_meetings(circle, utcnow())[0]
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    app.config["UPLOAD_FOLDER"] = str(make_read_only(uploads))
    auth.login(moderator.email)

    response = client.post(
        f"/qualitaetszirkel/{circle.id}/protokolle/neu",
        data={
            "occurrence": occurrence_key(meeting.key),
            "text": "Protokoll mit Anhang",
            "attachments": [(io.BytesIO(PDF), "Präsentation.pdf")],
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 503
    assert "voll oder schreibgeschützt" in response.get_data(as_text=True)
    assert list(uploads.iterdir()) == []
    assert count(Minutes) == 0 and count(StoredFile) == 0  # nothing half-saved


def test_a_list_message_with_a_flyer_into_a_read_only_upload_folder_fails_clearly(
    app, coordinator_client, tmp_path, make_read_only
):
    mailing_list = factories.make_mailing_list(name="Alle Fachkräfte")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    app.config["UPLOAD_FOLDER"] = str(make_read_only(uploads))

    response = coordinator_client.post(
        f"/verwaltung/verteiler/{mailing_list.id}/nachrichten/neu",
        data={
            "subject": "Einladung",
            "body": "Hallo",
            "event_id": "",
            "attachments": [(io.BytesIO(PDF), "Flyer.pdf")],
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 503
    assert "voll oder schreibgeschützt" in response.get_data(as_text=True)
    assert list(uploads.iterdir()) == []
    assert count(ListMessage) == 0 and count(StoredFile) == 0


class _FullDisk:
    """A file on a disk that fills up halfway through the write, as write(2) reports it."""

    def __init__(self, *args, **kwargs):
        self.handle = open(*args, **kwargs)  # noqa: SIM115  (closed by __exit__)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()

    def write(self, data):
        self.handle.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.handle, name)


def test_a_flyer_on_a_full_disk_fails_clearly_and_leaves_no_partial_file(
    app, coordinator_client, tmp_path, monkeypatch
):
    mailing_list = factories.make_mailing_list(name="Alle Fachkräfte")
    uploads = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(uploads)
    monkeypatch.setattr(storage, "open", _FullDisk, raising=False)

    response = coordinator_client.post(
        f"/verwaltung/verteiler/{mailing_list.id}/nachrichten/neu",
        data={
            "subject": "Einladung",
            "body": "Hallo",
            "event_id": "",
            "attachments": [(io.BytesIO(PDF * 100), "Flyer.pdf")],
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 503
    assert "voll oder schreibgeschützt" in response.get_data(as_text=True)
    assert [p for p in uploads.rglob("*") if p.is_file()] == []  # nothing half-written
    assert count(ListMessage) == 0 and count(StoredFile) == 0
