"""Joining circles, requests decided by the moderation, moderators added and limited to two."""

import pytest
from sqlalchemy import select

from netzwerk.circles import operations
from netzwerk.circles.models import CircleMembership, CircleRole, MembershipState
from netzwerk.circles.operations import CircleRefused
from netzwerk.db import db
from tests import factories
from tests.conftest import mail_body
from tests.helpers import text_of


def membership_of(circle, member):
    return db.session.execute(
        select(CircleMembership).where(
            CircleMembership.circle_id == circle.id, CircleMembership.member_id == member.id
        )
    ).scalar_one_or_none()


def test_an_open_circle_takes_a_member_at_once(people, login):
    client = login(people.outsider)

    response = client.post(f"/qualitaetszirkel/{people.circle.id}/beitreten", follow_redirects=True)

    assert "Willkommen im Qualitätszirkel „QZ Grundschulen“" in response.get_data(as_text=True)
    assert membership_of(people.circle, people.outsider).state == MembershipState.ACTIVE
    assert "Nächste Treffen" in response.get_data(as_text=True)


def test_a_circle_by_invitation_records_a_request_and_tells_the_moderator(people, login, deliver):
    people.circle.is_open = False
    db.session.commit()

    response = login(people.outsider).post(
        f"/qualitaetszirkel/{people.circle.id}/beitreten", follow_redirects=True
    )

    assert "Ihre Anfrage ist gestellt" in response.get_data(as_text=True)
    assert membership_of(people.circle, people.outsider).state == MembershipState.REQUESTED
    (mail,) = deliver()
    assert mail["To"].endswith(f"<{people.moderator.email}>")
    assert people.outsider.full_name in mail_body(mail)
    # Still no access to what members see.
    page = login(people.outsider).get(f"/qualitaetszirkel/{people.circle.id}")
    assert "Anfrage gestellt" in page.get_data(as_text=True) or "Anfrage liegt" in page.get_data(
        as_text=True
    )
    assert (
        login(people.outsider).get(f"/qualitaetszirkel/{people.circle.id}/protokolle").status_code
        == 403
    )


def test_the_moderator_accepts_a_request_and_the_requester_gets_a_mail(people, login, deliver):
    people.circle.is_open = False
    requester = factories.make_member(first_name="Rita", with_account=True)
    membership = operations.join_circle(people.circle, requester)
    db.session.commit()
    deliver()  # the moderator's notice

    response = login(people.moderator).post(
        f"/qualitaetszirkel/{people.circle.id}/mitglieder/{membership.id}/annehmen"
    )

    assert response.status_code == 302
    assert membership_of(people.circle, requester).state == MembershipState.ACTIVE
    mails = [m for m in deliver() if requester.email in m["To"]]
    assert len(mails) == 1
    assert "ist angenommen" in mail_body(mails[0])
    assert f"/qualitaetszirkel/{people.circle.id}" in mail_body(mails[0])


def test_a_coordinator_declines_a_request_and_the_requester_is_told(people, login, deliver):
    people.circle.is_open = False
    requester = factories.make_member(first_name="Rita")
    membership = operations.join_circle(people.circle, requester)
    db.session.commit()
    deliver()

    login(factories.make_coordinator()).post(
        f"/qualitaetszirkel/{people.circle.id}/mitglieder/{membership.id}/ablehnen"
    )

    assert membership_of(people.circle, requester) is None
    mails = [m for m in deliver() if requester.email in m["To"]]
    assert len(mails) == 1
    assert "nicht aufnehmen" in mail_body(mails[0])


def test_members_cannot_decide_requests(people, login):
    people.circle.is_open = False
    requester = factories.make_member()
    membership = operations.join_circle(people.circle, requester)
    db.session.commit()

    response = login(people.member).post(
        f"/qualitaetszirkel/{people.circle.id}/mitglieder/{membership.id}/annehmen"
    )

    assert response.status_code == 403
    assert membership_of(people.circle, requester).state == MembershipState.REQUESTED


def test_asking_twice_is_refused_politely(people):
    people.circle.is_open = False
    operations.join_circle(people.circle, people.outsider)

    with pytest.raises(CircleRefused, match="Anfrage liegt der Moderation bereits vor"):
        operations.join_circle(people.circle, people.outsider)


def test_the_moderator_adds_and_removes_members(people, login, deliver):
    client = login(people.moderator)

    client.post(
        f"/qualitaetszirkel/{people.circle.id}/mitglieder",
        data={"member_id": people.outsider.id},
    )
    assert membership_of(people.circle, people.outsider).state == MembershipState.ACTIVE
    assert "Willkommen" in deliver()[0]["Subject"]

    membership = membership_of(people.circle, people.outsider)
    client.post(f"/qualitaetszirkel/{people.circle.id}/mitglieder/{membership.id}/entfernen")
    assert membership_of(people.circle, people.outsider) is None


def test_members_see_the_member_list_but_cannot_change_it(people, login):
    client = login(people.member)

    page = client.get(f"/qualitaetszirkel/{people.circle.id}/mitglieder")
    assert page.status_code == 200
    assert people.moderator.full_name in page.get_data(as_text=True)
    assert "Mitglied hinzufügen" not in page.get_data(as_text=True)

    response = client.post(
        f"/qualitaetszirkel/{people.circle.id}/mitglieder", data={"member_id": people.outsider.id}
    )
    assert response.status_code == 403
    assert membership_of(people.circle, people.outsider) is None


def test_outsiders_do_not_see_who_is_in_the_circle(people, login):
    client = login(people.outsider)

    assert client.get(f"/qualitaetszirkel/{people.circle.id}/mitglieder").status_code == 403
    page = client.get(f"/qualitaetszirkel/{people.circle.id}").get_data(as_text=True)
    assert people.member.full_name not in page
    assert "QZ Grundschulen" in page


def test_a_circle_has_at_most_two_moderators(people, login):
    client = login(people.moderator)
    second = membership_of(people.circle, people.member)
    third_member = factories.make_member(first_name="Tina")
    third = operations.add_member(people.circle, third_member)
    db.session.commit()

    client.post(f"/qualitaetszirkel/{people.circle.id}/mitglieder/{second.id}/moderation")
    response = client.post(
        f"/qualitaetszirkel/{people.circle.id}/mitglieder/{third.id}/moderation",
        follow_redirects=True,
    )

    assert "höchstens zwei Moderatorinnen oder Moderatoren" in text_of(
        response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert membership_of(people.circle, people.member).role == CircleRole.MODERATOR
    assert membership_of(people.circle, third_member).role == CircleRole.MEMBER


def test_the_last_moderator_cannot_step_down_or_leave(people):
    only = membership_of(people.circle, people.moderator)

    with pytest.raises(CircleRefused, match="mindestens eine Moderatorin"):
        operations.step_down_moderator(only)
    with pytest.raises(CircleRefused, match="mindestens eine Moderatorin"):
        operations.leave_circle(people.circle, people.moderator)


def test_a_member_leaves_a_circle(people, login):
    client = login(people.member)

    response = client.post(f"/qualitaetszirkel/{people.circle.id}/austreten", follow_redirects=True)

    assert "ausgetreten" in response.get_data(as_text=True)
    assert membership_of(people.circle, people.member) is None


def test_the_list_shows_each_circle_with_the_members_own_state(people, login):
    closed = factories.make_circle(name="QZ Sozialraum Nord", is_open=False)
    operations.join_circle(closed, people.member)
    db.session.commit()

    page = text_of(login(people.member).get("/qualitaetszirkel/").get_data(as_text=True))

    assert "QZ Grundschulen" in page
    assert "QZ Sozialraum Nord" in page
    assert "Mitglied" in page
    assert "Anfrage gestellt" in page
    assert people.moderator.full_name in page  # moderators are named for everyone
