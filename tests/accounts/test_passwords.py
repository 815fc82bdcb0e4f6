"""The password rule and changing one's password: German reasons, other sessions end."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from netzwerk.accounts.access import load_user
from netzwerk.accounts.passwords import password_problem
from netzwerk.db import db
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "Regenbogen über der Aue"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("kurz", "mindestens 10 Zeichen"),
        ("passwort123", "zu verbreitet"),
        ("PASSWORT123", "zu verbreitet"),
        ("aaaaaaaaaaaa", "zu verbreitet"),
        ("anna.schmidt@example.org", "nicht Ihr Name oder Ihre E-Mail-Adresse"),
        ("anna.schmidt", "nicht Ihr Name oder Ihre E-Mail-Adresse"),
        ("Anna Schmidt Anna", None),
        ("Anna Schmidt!", None),
    ],
)
def test_password_rule(password, reason):
    problem = password_problem(password, email="anna.schmidt@example.org", name="Anna Schmidt")
    if reason is None:
        assert problem is None
    else:
        assert reason in problem


def test_a_long_sentence_is_a_good_password():
    assert password_problem("Im Herbst fahren wir an die Nordsee") is None


def change_password(client, new, confirm=None, current=PASSWORD):
    return client.post(
        "/konto",
        data={"current_password": current, "password": new, "confirm": confirm or new},
        follow_redirects=True,
    )


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("zu kurz", "Das Passwort muss mindestens 10 Zeichen lang sein."),
        ("passwort123", "Dieses Passwort ist zu verbreitet"),
        (None, "Das Passwort darf nicht Ihr Name oder Ihre E-Mail-Adresse sein."),
    ],
)
def test_weak_new_passwords_are_refused_in_german(member_client, member, new, message):
    new = new or member.email

    response = change_password(member_client, new)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'aria-invalid="true"' in page
    db.session.refresh(member.user)
    assert member.user.check_password(PASSWORD)


def test_a_wrong_current_password_changes_nothing(member_client, member):
    response = change_password(member_client, NEW_PASSWORD, current="nicht das Passwort")

    assert "Das bisherige Passwort ist nicht richtig." in response.get_data(as_text=True)
    db.session.refresh(member.user)
    assert member.user.check_password(PASSWORD)


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, member, auth):
    other_browser = app.test_client()
    other_browser.post("/login", data={"email": member.email, "password": PASSWORD})
    auth.login(member.email)

    response = change_password(auth.client, NEW_PASSWORD)

    assert "Ihr Passwort ist geändert." in response.get_data(as_text=True)
    assert auth.client.get("/konto").status_code == 200
    response = other_browser.get("/konto")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    db.session.refresh(member.user)
    assert member.user.check_password(NEW_PASSWORD)


def test_a_change_within_the_same_second_still_renames_the_session(app, monkeypatch):
    # Sessions name the password generation; with whole seconds, two changes within
    # one second left the older sessions alive.
    times = iter(
        [
            datetime(2026, 11, 2, 9, 0, 0, 100_000, tzinfo=UTC),
            datetime(2026, 11, 2, 9, 0, 0, 900_000, tzinfo=UTC),
        ]
    )
    monkeypatch.setattr("netzwerk.accounts.models.utcnow", lambda: next(times))
    user = make_user(password="ein erstes Passwort")
    before = user.get_id()

    user.set_password(NEW_PASSWORD)
    db.session.commit()

    assert user.get_id() != before
    assert load_user(before) is None
    assert load_user(user.get_id()) == user
