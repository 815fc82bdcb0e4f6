"""A coordinator invites a member: e-mail, link, own password, logged in."""

import re

from sqlalchemy import select

from netzwerk.accounts.models import Role, User
from netzwerk.accounts.operations import invite_member
from netzwerk.db import db
from tests.conftest import mail_body
from tests.factories import make_member

PASSWORD = "Kastanien im Stadtpark"


def invitation_link(message) -> str:
    url = re.search(r"http://netzwerk\.test(/passwort-setzen/einladung/\S+)", mail_body(message))
    assert url, mail_body(message)
    return url.group(1)


def invite(member):
    invite_member(member)
    db.session.commit()


def test_invited_member_sets_a_password_and_is_logged_in(client, deliver):
    member = make_member(first_name="Jörg", last_name="Größe", email="joerg.groesse@example.org")

    invite(member)
    messages = deliver()

    assert len(messages) == 1
    assert messages[0]["Subject"] == "Einladung in das Netzwerk Schulsozialarbeit"
    assert messages[0]["To"].addresses[0].display_name == "Jörg Größe"
    page = client.get(invitation_link(messages[0])).get_data(as_text=True)
    assert "Willkommen im Netzwerk" in page
    assert "joerg.groesse@example.org" in page

    response = client.post(
        invitation_link(messages[0]), data={"password": PASSWORD, "confirm": PASSWORD}
    )

    assert response.status_code == 302
    assert client.get("/konto").status_code == 200
    user = db.session.execute(
        select(User).where(User.email == "joerg.groesse@example.org")
    ).scalar_one()
    assert user.role == Role.MEMBER
    assert user.member.id == member.id
    assert user.check_password(PASSWORD)
    assert member.invited_dt is not None


def test_the_invitation_link_works_only_once(client, deliver):
    member = make_member()
    invite(member)
    link = invitation_link(deliver()[0])
    client.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    client.post("/logout")

    response = client.get(link)

    assert response.status_code == 400
    assert "ungültig oder wurde bereits verwendet" in response.get_data(as_text=True)


def test_a_second_invitation_keeps_the_one_account(client, deliver):
    member = make_member()
    invite(member)
    invite(member)

    messages = deliver()

    assert len(messages) == 2
    users = db.session.execute(select(User).where(User.email == member.email)).scalars().all()
    assert len(users) == 1
    response = client.post(
        invitation_link(messages[-1]), data={"password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 302


def test_mismatched_repetition_is_refused_and_nothing_is_saved(client, deliver):
    member = make_member()
    invite(member)
    link = invitation_link(deliver()[0])

    response = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD + "!"})

    assert response.status_code == 200
    assert "Die beiden Passwörter stimmen nicht überein." in response.get_data(as_text=True)
    db.session.refresh(member.user)
    assert not member.user.has_password
    assert client.get("/konto").status_code == 302
