"""Logging in and out: German messages that reveal nothing, safe redirects, throttling."""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from netzwerk import create_app
from netzwerk.accounts.models import LoginAttempt
from netzwerk.db import db
from tests.factories import PASSWORD, make_user

WRONG_LOGIN = "E-Mail-Adresse oder Passwort sind nicht richtig."
THROTTLED = "Zu viele fehlgeschlagene Anmeldeversuche"


def login(client, email, password=PASSWORD, next_=None):
    query = {} if next_ is None else {"next": next_}
    return client.post("/login", query_string=query, data={"email": email, "password": password})


def failures_for(email: str) -> int:
    return db.session.execute(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.key == f"email:{email}")
    ).scalar_one()


def test_right_password_logs_in_and_greets_in_german(client, member):
    response = login(client, member.email)

    assert response.status_code == 302
    page = client.get("/konto").get_data(as_text=True)
    assert "Willkommen" in page
    assert member.email in page


def test_e_mail_address_is_matched_case_insensitively(client, member):
    response = login(client, "  " + member.email.upper())
    assert response.status_code == 302
    assert client.get("/konto").status_code == 200


def test_unknown_address_and_wrong_password_get_the_same_answer(client, member):
    wrong_password = login(client, member.email, "ein falsches Passwort")
    unknown = login(client, "niemand@example.org", PASSWORD)

    assert wrong_password.status_code == unknown.status_code == 200
    wrong_page = wrong_password.get_data(as_text=True).replace(member.email, "ADDRESS")
    unknown_page = unknown.get_data(as_text=True).replace("niemand@example.org", "ADDRESS")
    assert WRONG_LOGIN in wrong_page
    assert wrong_page == unknown_page
    assert client.get("/konto").status_code == 302


def test_disabled_account_cannot_log_in(client, member):
    member.user.is_enabled = False
    db.session.commit()

    response = login(client, member.email)

    assert response.status_code == 200
    assert WRONG_LOGIN in response.get_data(as_text=True)
    assert client.get("/konto").status_code == 302


def test_after_login_the_visitor_returns_to_the_local_page_asked_for(client, member):
    response = login(client, member.email, next_="/konto")
    assert urlsplit(response.headers["Location"]).path == "/konto"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http:/evil.example",
        "/\\evil.example/",
        "/\t/evil.example/",
        "konto",
    ],
)
def test_next_pointing_elsewhere_is_ignored(client, member, target):
    response = login(client, member.email, next_=target)

    location = urlsplit(response.headers["Location"])
    assert response.status_code == 302
    assert location.netloc in ("", "netzwerk.test")
    assert location.path == "/"


def test_protected_page_sends_visitors_to_login_and_back(client, member):
    response = client.get("/konto")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"

    response = client.post(
        response.headers["Location"], data={"email": member.email, "password": PASSWORD}
    )
    assert urlsplit(response.headers["Location"]).path == "/konto"


def test_logout_only_by_post_and_it_ends_the_session(client, member):
    login(client, member.email)

    assert client.get("/logout").status_code == 405
    assert client.get("/konto").status_code == 200

    response = client.post("/logout", follow_redirects=True)
    assert "Sie sind abgemeldet." in response.get_data(as_text=True)
    response = client.get("/konto")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def fail_until_throttled(client, email, max_failures):
    for _ in range(max_failures):
        assert login(client, email, "ein falsches Passwort").status_code == 200


def test_too_many_failures_throttle_even_the_right_password(app, client, member):
    max_failures = app.config["LOGIN_MAX_FAILURES"]
    fail_until_throttled(client, member.email, max_failures)

    response = login(client, member.email)

    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert client.get("/konto").status_code == 302
    assert failures_for(member.email) == max_failures


def test_throttle_is_kept_in_the_database_for_every_client_and_worker(app, client, member):
    email = member.email
    fail_until_throttled(client, email, app.config["LOGIN_MAX_FAILURES"])

    assert login(app.test_client(), email).status_code == 429
    db.session.commit()  # the test's own session must not hold SQLite's lock meanwhile

    # A second application instance (another worker process) sees the same count.
    other = create_app(
        {
            key: app.config[key]
            for key in ("TESTING", "WTF_CSRF_ENABLED", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI")
        }
    )
    try:
        with other.app_context():
            response = login(other.test_client(), email)
            assert response.status_code == 429
            assert THROTTLED in response.get_data(as_text=True)
    finally:
        with other.app_context():
            db.engine.dispose()


def test_throttle_counts_one_address_not_everyone(app, client, member):
    fail_until_throttled(client, member.email, app.config["LOGIN_MAX_FAILURES"])
    other = make_user(email="andere.person@example.org")

    assert login(client, other.email).status_code == 302


def test_a_successful_login_clears_the_failures(app, client, member):
    max_failures = app.config["LOGIN_MAX_FAILURES"]
    fail_until_throttled(client, member.email, max_failures - 1)
    assert failures_for(member.email) == max_failures - 1

    assert login(client, member.email).status_code == 302
    assert failures_for(member.email) == 0

    client.post("/logout")
    fail_until_throttled(client, member.email, max_failures - 1)
    assert login(client, member.email).status_code == 302
