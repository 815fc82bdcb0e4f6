"""Request body size limit and login throttling that holds across worker processes."""

import io
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import func, select

from netzwerk.accounts.models import LoginAttempt
from netzwerk.db import db
from tests.factories import PASSWORD

THROTTLED = "Zu viele fehlgeschlagene Anmeldeversuche"


def test_the_default_limit_is_sixteen_megabytes(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024


def test_a_too_large_post_gets_the_german_413_page(app, client):
    too_large = app.config["MAX_CONTENT_LENGTH"] + 1

    response = client.post(
        "/login",
        data=b"email=a%40example.org&password=" + b"x" * too_large,
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Datei zu groß" in html
    assert "Die gesendeten Daten sind zu groß" in html
    assert db.session.execute(select(func.count()).select_from(LoginAttempt)).scalar_one() == 0


def test_a_too_large_upload_gets_the_german_413_page(app, coordinator_client):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    big = b"Vorname;Nachname;E-Mail\r\n" + b"Anna;Schmidt;anna@example.org\r\n" * 4000

    response = coordinator_client.post(
        "/verwaltung/daten/import",
        data={"kind": "mitglieder", "file": (io.BytesIO(big), "mitglieder.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 413
    assert "Datei zu groß" in response.get_data(as_text=True)


WRONG_PASSWORD = "ein falsches Passwort"


def login(client, email, password=WRONG_PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def test_failures_in_two_workers_add_up(app, other_app, member):
    email, limit = member.email, app.config["LOGIN_MAX_FAILURES"]
    db.session.commit()  # the test's own session must not hold SQLite's write lock
    first_worker, second_worker = app.test_client(), other_app().test_client()

    for attempt in range(limit):
        worker = first_worker if attempt % 2 == 0 else second_worker
        assert login(worker, email).status_code == 200

    for worker in (first_worker, second_worker):
        response = login(worker, email, PASSWORD)
        assert response.status_code == 429
        assert THROTTLED in response.get_data(as_text=True)


OTHER_PROCESS = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from netzwerk import create_app
    from tests.conftest import _test_config

    url, instance, email, times = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    client = create_app(_test_config(url, instance)).test_client()
    for _ in range(times):
        response = client.post("/login", data={"email": email, "password": "falsch!"})
        print(response.status_code)
    """
)


def test_failures_in_another_process_count_here_too(app, client, member, database_url, tmp_path):
    email, limit = member.email, app.config["LOGIN_MAX_FAILURES"]
    db.session.commit()

    other = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, database_url, str(tmp_path), email, str(limit)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )

    assert other.stdout.split() == ["200"] * limit, other.stderr
    response = login(client, email, PASSWORD)  # the right password, in this process
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
