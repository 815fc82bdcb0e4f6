"""Password reset by an e-mailed, signed, expiring, single-use link."""

import re
import time
from urllib.parse import urlsplit

from itsdangerous import TimestampSigner

from netzwerk.db import db
from tests.conftest import mail_body
from tests.factories import PASSWORD

NEW_PASSWORD = "Sonnenblumen im Oktober"


def request_reset(client, email):
    return client.post("/passwort-vergessen", data={"email": email}, follow_redirects=True)


def reset_link(message) -> str:
    url = re.search(r"http://netzwerk\.test(/passwort-setzen/reset/\S+)", mail_body(message))
    assert url, mail_body(message)
    return url.group(1)


def set_password(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(path, data={"password": password, "confirm": confirm or password})


def test_known_and_unknown_addresses_get_the_identical_answer(client, member, deliver):
    known = request_reset(client, member.email)
    unknown = request_reset(client, "unbekannt@example.org")

    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert "Wenn zu dieser Adresse ein Zugang besteht" in known.get_data(as_text=True)

    messages = deliver()
    assert len(messages) == 1
    assert member.email in messages[0]["To"]
    assert messages[0]["Subject"] == "Passwort zurücksetzen"


def test_the_link_sets_a_new_password_and_logs_in(client, member, deliver):
    request_reset(client, member.email)
    link = reset_link(deliver()[0])

    assert "Neues Passwort festlegen" in client.get(link).get_data(as_text=True)
    response = set_password(client, link)

    assert response.status_code == 302
    assert client.get("/konto").status_code == 200
    db.session.refresh(member.user)
    assert member.user.check_password(NEW_PASSWORD)
    assert not member.user.check_password(PASSWORD)


def test_the_link_works_only_once(client, member, deliver):
    request_reset(client, member.email)
    link = reset_link(deliver()[0])
    set_password(client, link)
    client.post("/logout")

    response = client.get(link)
    assert response.status_code == 400
    assert "ungültig oder wurde bereits verwendet" in response.get_data(as_text=True)
    response = set_password(client, link, "noch ein anderes Passwort")
    assert response.status_code == 400
    db.session.refresh(member.user)
    assert member.user.check_password(NEW_PASSWORD)


def test_an_expired_link_is_refused_in_german(app, client, member, deliver, monkeypatch):
    request_reset(client, member.email)
    link = reset_link(deliver()[0])
    max_age = app.config["PASSWORD_RESET_MAX_AGE"].total_seconds()
    later = int(time.time() + max_age + 60)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)

    response = client.get(link)

    assert response.status_code == 400
    assert "abgelaufen" in response.get_data(as_text=True)
    assert set_password(client, link).status_code == 400
    db.session.refresh(member.user)
    assert member.user.check_password(PASSWORD)


def test_a_damaged_link_is_refused(client, member, deliver):
    request_reset(client, member.email)
    link = reset_link(deliver()[0])

    response = client.get(link[:-3] + "xyz")

    assert response.status_code == 400
    assert "ungültig" in response.get_data(as_text=True)


def test_a_reset_ends_sessions_that_were_open_before(app, client, member, deliver):
    other_device = app.test_client()
    other_device.post("/login", data={"email": member.email, "password": PASSWORD})
    assert other_device.get("/konto").status_code == 200

    request_reset(client, member.email)
    set_password(client, reset_link(deliver()[0]))

    response = other_device.get("/konto")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_a_disabled_account_gets_no_reset_mail(client, member, deliver):
    member.user.is_enabled = False
    db.session.commit()

    request_reset(client, member.email)

    assert deliver() == []
