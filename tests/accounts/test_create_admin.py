"""`flask create-admin`: a coordinator account from the command line."""

from sqlalchemy import func, select

from netzwerk.accounts.models import Role, User
from netzwerk.db import db
from tests.factories import make_user

PASSWORD = "Koordination im Rathaus"


def users() -> int:
    return db.session.execute(select(func.count()).select_from(User)).scalar_one()


def admin(runner, *extra, email="leitung@example.org", **kwargs):
    return runner.invoke(
        args=["create-admin", "--email", email, "--name", "Petra Leitung", *extra], **kwargs
    )


def test_creates_a_coordinator_who_can_log_in(runner, client):
    result = admin(runner, "--password", PASSWORD, email="Leitung@Example.org")

    assert result.exit_code == 0, result.output
    assert "leitung@example.org" in result.output
    response = client.post("/login", data={"email": "leitung@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/verwaltung/mitglieder/").status_code == 200


def test_asks_for_the_password_twice_when_not_given(runner, client):
    result = admin(runner, input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Passwort" in result.output
    assert PASSWORD not in result.output
    response = client.post("/login", data={"email": "leitung@example.org", "password": PASSWORD})
    assert response.status_code == 302


def test_asks_again_when_the_repetition_differs(runner):
    result = admin(runner, input=f"{PASSWORD}\netwas anderes\n{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "stimmen nicht überein" in result.output
    assert users() == 1


def test_a_weak_password_is_refused(runner):
    for weak, reason in (
        ("kurz", "mindestens 10 Zeichen"),
        ("passwort123", "zu verbreitet"),
        ("leitung@example.org", "nicht Ihr Name oder Ihre E-Mail-Adresse"),
    ):
        result = admin(runner, "--password", weak)

        assert result.exit_code != 0
        assert reason in result.output
    assert users() == 0


def test_a_weak_typed_password_is_asked_for_again(runner):
    result = admin(runner, input=f"passwort123\n{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "zu verbreitet" in result.output
    assert users() == 1


def test_an_invalid_address_is_refused(runner):
    result = admin(runner, "--password", PASSWORD, email="leitung(at)example.org")

    assert result.exit_code != 0
    assert "ungültig" in result.output
    assert users() == 0


def test_an_existing_member_account_is_promoted(runner):
    make_user(email="leitung@example.org", name="Petra Leitung")

    result = admin(runner, "--password", PASSWORD)

    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User)).scalar_one()
    assert user.role == Role.COORDINATOR
    assert user.check_password(PASSWORD)
