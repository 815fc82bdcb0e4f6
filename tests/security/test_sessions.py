"""Session and remember-me cookies: names, flags, lifetime; login starts and logout ends them."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from netzwerk import create_app
from netzwerk.db import db
from netzwerk.security.cookies import (
    PLAIN_REMEMBER_COOKIE,
    PLAIN_SESSION_COOKIE,
    SECURE_REMEMBER_COOKIE,
    SECURE_SESSION_COOKIE,
)
from tests.factories import PASSWORD

HOST = "netzwerk.test"


def login(client, email, remember=False):
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def set_cookie(response, name: str) -> dict:
    """The attributes of one Set-Cookie header, names lower-cased; flags map to True."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            parts = [part.strip() for part in header.split(";")]
            attributes = {"value": parts[0].partition("=")[2]}
            for part in parts[1:]:
                key, _, value = part.partition("=")
                attributes[key.lower()] = value or True
            return attributes
    raise AssertionError(f"no Set-Cookie for {name}: {response.headers.getlist('Set-Cookie')}")


def expires_in(cookie: dict) -> timedelta:
    expires = datetime.strptime(cookie["expires"], "%a, %d %b %Y %H:%M:%S GMT")
    return expires.replace(tzinfo=UTC) - datetime.now(UTC)


def copy_cookie(source, target, name: str) -> None:
    target.set_cookie(name, source.get_cookie(name, domain=HOST).value, domain=HOST)


def assert_logged_in(client):
    assert client.get("/konto").status_code == 200


def assert_logged_out(client):
    response = client.get("/konto")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_local_http_works_with_a_plain_httponly_lax_cookie(client, member):
    response = login(client, member.email)

    cookie = set_cookie(response, PLAIN_SESSION_COOKIE)
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert "secure" not in cookie  # or it would never come back over http://127.0.0.1
    assert timedelta(hours=7, minutes=55) < expires_in(cookie) <= timedelta(hours=8)
    assert_logged_in(client)


def test_production_cookie_is_host_prefixed_secure_httponly_and_lax(other_app, member):
    client = other_app(SESSION_COOKIE_SECURE=True).test_client()
    email = member.email
    db.session.commit()  # the test's own session must not hold SQLite's write lock

    response = login(client, email, remember=True)

    session = set_cookie(response, SECURE_SESSION_COOKIE)
    assert session["secure"] is True and session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert session["path"] == "/"
    assert "domain" not in session  # __Host- cookies must not name a domain
    remember = set_cookie(response, SECURE_REMEMBER_COOKIE)
    assert remember["secure"] is True and remember["httponly"] is True
    assert remember["samesite"] == "Lax"
    assert remember["path"] == "/" and "domain" not in remember
    assert timedelta(days=13, hours=23) < expires_in(remember) <= timedelta(days=14)


def test_production_opts_in_through_the_environment(monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("NETZWERK_SESSION_COOKIE_SECURE", "true")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})

    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == SECURE_SESSION_COOKIE


def test_remember_me_cookie_is_httponly_and_lasts_two_weeks(client, member):
    response = login(client, member.email, remember=True)

    remember = set_cookie(response, PLAIN_REMEMBER_COOKIE)
    assert remember["httponly"] is True and remember["samesite"] == "Lax"
    assert timedelta(days=13, hours=23) < expires_in(remember) <= timedelta(days=14)


def test_login_starts_a_fresh_session(client, member):
    with client.session_transaction() as session:
        session["planted_by_someone_else"] = "x"

    login(client, member.email)

    with client.session_transaction() as session:
        assert "planted_by_someone_else" not in session
        assert session["_user_id"]


def test_a_copied_session_cookie_is_worthless_after_logout(app, client, member):
    login(client, member.email)
    stolen = app.test_client()
    copy_cookie(client, stolen, PLAIN_SESSION_COOKIE)
    assert_logged_in(stolen)

    client.post("/logout")

    assert_logged_out(client)
    assert_logged_out(stolen)


def test_a_copied_remember_me_cookie_is_worthless_after_logout(app, client, member):
    response = login(client, member.email, remember=True)
    remembered = set_cookie(response, PLAIN_REMEMBER_COOKIE)["value"]
    stolen = app.test_client()
    stolen.set_cookie(PLAIN_REMEMBER_COOKIE, remembered, domain=HOST)
    assert_logged_in(stolen)  # a new browser session, logged in by the remember-me cookie

    logout = client.post("/logout")

    assert set_cookie(logout, PLAIN_REMEMBER_COOKIE)["value"] == ""  # removed from the browser
    thief = app.test_client()
    thief.set_cookie(PLAIN_REMEMBER_COOKIE, remembered, domain=HOST)
    assert_logged_out(thief)


def test_logging_in_again_after_logout_works(client, member):
    login(client, member.email)
    client.post("/logout")

    assert login(client, member.email).status_code == 302
    assert_logged_in(client)


def test_an_active_session_keeps_its_cookie_and_is_renewed_after_a_few_minutes(
    client, member, monkeypatch
):
    from netzwerk.security import cookies

    login(client, member.email)
    client.get("/konto")  # shows the login's message and stores a form token: both change it
    # Just signed: a page view leaves the cookie as it is (no new signature each response).
    response = client.get("/konto")
    assert response.status_code == 200
    assert not response.headers.getlist("Set-Cookie")

    # Older than the interval: the next response signs it again, for another 8 hours.
    monkeypatch.setattr(cookies, "SESSION_REFRESH_INTERVAL", timedelta(0))
    response = client.get("/konto")
    renewed = set_cookie(response, PLAIN_SESSION_COOKIE)
    assert timedelta(hours=7, minutes=59) < expires_in(renewed) <= timedelta(hours=8)
    assert_logged_in(client)


def test_a_changed_session_is_written_at_once(client, member):
    login(client, member.email)
    client.get("/konto")
    client.get("/konto")
    response = client.post("/logout")
    # Logging out changes the session: the new cookie goes with this very response.
    assert set_cookie(response, PLAIN_SESSION_COOKIE)["value"]
    assert_logged_out(client)


def test_a_forged_or_expired_session_cookie_is_an_empty_session(app, client, member):
    login(client, member.email)
    cookie = client.get_cookie(PLAIN_SESSION_COOKIE, domain=HOST)
    client.set_cookie(PLAIN_SESSION_COOKIE, cookie.value[:-2] + "xx", domain=HOST)
    assert_logged_out(client)
