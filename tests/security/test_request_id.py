"""Every request has an id; an error is logged with it and the German error page names it."""

import logging
import re
import subprocess
import sys
import textwrap

import pytest


@pytest.fixture()
def crashing_route(app):
    app.config["PROPAGATE_TEST_ERRORS"] = False

    @app.get("/_kaputt")
    def broken():
        raise RuntimeError("interne Einzelheit")

    return "/_kaputt"


def test_each_response_names_its_own_request_id(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/").headers["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_the_id_a_proxy_assigned_is_kept_when_harmless(client):
    response = client.get("/", headers={"X-Request-ID": "nginx-4f2a9c01e7"})
    assert response.headers["X-Request-ID"] == "nginx-4f2a9c01e7"


@pytest.mark.parametrize("incoming", ["kurz", "x" * 65, "id mit leerzeichen", "<script>abc"])
def test_an_odd_incoming_id_is_replaced(client, incoming):
    response = client.get("/", headers={"X-Request-ID": incoming})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_a_crash_is_logged_with_the_id_the_german_page_names(client, crashing_route, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get(crashing_route)

    request_id = response.headers["X-Request-ID"]
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in html
    assert f"Vorgangsnummer {request_id}" in html
    assert "interne Einzelheit" not in html and "Traceback" not in html
    crash = [record for record in caplog.records if record.exc_info]
    assert len(crash) == 1
    assert crash[0].request_id == request_id
    assert request_id in crash[0].getMessage()
    assert "interne Einzelheit" in str(crash[0].exc_info[1])


def test_every_log_line_of_a_request_carries_its_id(app, client, caplog):
    @app.get("/_protokoll")
    def logs_something():
        logging.getLogger("netzwerk.test").warning("etwas Bemerkenswertes")
        return "ok"

    with caplog.at_level(logging.WARNING):
        response = client.get("/_protokoll")

    (record,) = [r for r in caplog.records if r.getMessage() == "etwas Bemerkenswertes"]
    assert record.request_id == response.headers["X-Request-ID"]


def test_log_lines_outside_requests_are_marked(app, caplog):
    with caplog.at_level(logging.WARNING):
        logging.getLogger("netzwerk.test").warning("im Hintergrund")

    (record,) = [r for r in caplog.records if r.getMessage() == "im Hintergrund"]
    assert record.request_id == "-"


def test_the_not_found_page_names_the_id_too(client):
    response = client.get("/gibt-es-nicht")
    assert f"Vorgangsnummer {response.headers['X-Request-ID']}" in response.get_data(as_text=True)


PRODUCTION_CRASH = textwrap.dedent(
    """
    import sys
    from netzwerk import create_app

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sys.argv[1]})

    @app.get("/_kaputt")
    def broken():
        raise RuntimeError("interne Einzelheit")

    response = app.test_client().get("/_kaputt")
    print(response.status_code, response.headers["X-Request-ID"])
    """
)


def test_in_production_each_log_line_shows_the_request_id(tmp_path):
    # Not TESTING: the app configures logging itself, as under gunicorn.
    run = subprocess.run(
        [sys.executable, "-c", PRODUCTION_CRASH, f"sqlite:///{tmp_path / 'x.sqlite3'}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )

    status, request_id = run.stdout.split()
    assert status == "500"
    assert f"ERROR [{request_id}] netzwerk.core.errors: Unhandled error" in run.stderr
