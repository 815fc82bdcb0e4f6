"""Security headers on every response, HSTS only over https, and the proxy settings."""

import pytest
from sqlalchemy import select

from netzwerk import create_app
from netzwerk.accounts.models import LoginAttempt
from netzwerk.db import db
from netzwerk.security.cookies import PLAIN_SESSION_COOKIE
from netzwerk.security.headers import CONTENT_SECURITY_POLICY
from tests.conftest import _test_config

EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_hardened(response):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    assert "Permissions-Policy" in response.headers


def test_the_policy_allows_no_inline_code_and_no_framing():
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/login", 200),
        ("GET", "/veranstaltungen/", 200),
        ("GET", "/mitmachen", 200),
        ("GET", "/static/netzwerk.css", 200),
        ("GET", "/gibt-es-nicht", 404),
        ("GET", "/logout", 405),
        ("GET", "/verwaltung/mitglieder/", 302),
    ],
)
def test_every_response_carries_the_security_headers(client, method, path, status):
    response = client.open(path, method=method)

    assert response.status_code == status
    assert_hardened(response)


def test_the_error_page_of_a_crash_is_hardened_too(app, client):
    app.config["PROPAGATE_TEST_ERRORS"] = False

    @app.get("/_kaputt")
    def broken():
        raise RuntimeError("boom")

    response = client.get("/_kaputt")

    assert response.status_code == 500
    assert_hardened(response)


def test_a_refused_form_is_hardened_too(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/login", data={"email": "a@example.org", "password": "x"})

    assert response.status_code == 400
    assert_hardened(response)


def test_hsts_only_when_the_request_came_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers

    response = client.get("/", base_url="https://netzwerk.test")

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_without_proxy_settings_forwarded_headers_are_ignored(client):
    # Anybody can send these; only a configured proxy is believed.
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})

    assert "Strict-Transport-Security" not in response.headers


def test_behind_the_configured_proxy_https_and_the_client_address_are_known(other_app):
    app = other_app(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    client = app.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}

    page = client.get("/", headers=forwarded)
    client.post(
        "/login",
        data={"email": "niemand@example.org", "password": "ein falsches Passwort"},
        headers=forwarded,
    )

    assert "Strict-Transport-Security" in page.headers
    with app.app_context():
        keys = db.session.execute(select(LoginAttempt.key)).scalars().all()
    assert "ip:203.0.113.7" in keys  # throttling counts the real client, not the proxy


def test_personal_links_keep_their_stricter_referrer_policy(client):
    response = client.get("/anmeldung/kein-gueltiger-link")

    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_pages_of_a_logged_in_person_are_not_cached(member_client):
    assert member_client.get("/konto").headers["Cache-Control"] == "no-store"


def test_public_pages_and_static_files_stay_cacheable(client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/static/netzwerk.css").headers.get("Cache-Control", "")


def test_create_app_alone_hardens_the_app(database_url, tmp_path):
    # No test fixture in between: what gunicorn serves is what create_app returns.
    app = create_app(_test_config(database_url, tmp_path))

    response = app.test_client().get("/login")

    assert_hardened(response)
    assert response.headers["X-Request-ID"]
    assert app.config["SESSION_COOKIE_NAME"] == PLAIN_SESSION_COOKIE
    with app.app_context():
        db.engine.dispose()
