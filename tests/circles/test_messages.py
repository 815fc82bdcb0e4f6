"""The moderator writes to the circle through its own list: one personal copy per member,
with the list headers, answers going back to the moderator; nobody else may write."""

from sqlalchemy import select

from netzwerk.circles.models import CircleMembership, MembershipState
from netzwerk.circles.operations import circle_mailing_list
from netzwerk.db import db
from netzwerk.mailing.lists import unsubscribe
from netzwerk.mailing.models import ListMessage, ListMessageState
from tests import factories
from tests.conftest import mail_body


def compose(client, circle, **data):
    form = {
        "subject": "Nächstes Treffen: Übergänge Kita–Grundschule",
        "body": "wir treffen uns im **Familienzentrum**.",
        "greet_by_name": "y",
        "event_id": "",
    }
    form.update(data)
    return client.post(f"/qualitaetszirkel/{circle.id}/nachrichten/neu", data=form)


def only_draft(circle) -> ListMessage:
    mailing_list = circle_mailing_list(circle)
    return db.session.execute(
        select(ListMessage).where(ListMessage.list_id == mailing_list.id)
    ).scalar_one()


def test_the_circle_page_leads_the_moderator_to_the_compose_page(people, login):
    page = login(people.moderator).get(f"/qualitaetszirkel/{people.circle.id}")

    html = page.get_data(as_text=True)
    assert f"/qualitaetszirkel/{people.circle.id}/nachrichten" in html
    assert people.member.email not in html  # no mailto: with everyone's address


def test_the_moderator_writes_previews_and_sends_to_every_member(people, login, deliver):
    factories.make_circle(name="QZ Gymnasien", members=[people.outsider])
    asking = factories.make_member(first_name="Anton")
    people.circle.memberships.append(
        CircleMembership(member_id=asking.id, state=MembershipState.REQUESTED)
    )
    db.session.commit()
    client = login(people.moderator)

    response = compose(client, people.circle)
    assert response.status_code == 302
    message = only_draft(people.circle)
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vorschau: Nächstes Treffen" in preview
    assert "2 Personen" in preview  # moderator and member; not the one who only asked

    sent = client.post(f"/qualitaetszirkel/{people.circle.id}/nachrichten/{message.id}/senden")
    assert sent.status_code == 302
    overview = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "geht an 2 Mitglieder des Zirkels" in overview

    received = deliver()
    assert sorted(m["To"].addresses[0].addr_spec for m in received) == sorted(
        [people.moderator.email, people.member.email]
    )
    malte = next(m for m in received if people.member.email in m["To"])
    assert malte["Subject"] == "Nächstes Treffen: Übergänge Kita–Grundschule"
    assert malte["Reply-To"] == people.moderator.email  # answers go to the moderator
    assert malte["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<mailto:" in malte["List-Unsubscribe"]
    assert malte["List-Id"].startswith("QZ Grundschulen <")
    assert mail_body(malte).startswith("Hallo Malte,")
    db.session.refresh(message)
    assert message.state == ListMessageState.SENT


def test_a_test_mail_goes_only_to_the_moderator(people, login, deliver):
    client = login(people.moderator)
    compose(client, people.circle)
    message = only_draft(people.circle)

    client.post(f"/qualitaetszirkel/{people.circle.id}/nachrichten/{message.id}/test")

    (received,) = deliver()
    assert received["To"].addresses[0].addr_spec == people.moderator.email
    assert received["Subject"].startswith("[TEST] ")
    db.session.refresh(message)
    assert message.state == ListMessageState.DRAFT


def test_a_member_who_left_the_circle_list_gets_nothing(people, login, deliver):
    unsubscribe(circle_mailing_list(people.circle), people.member.email)
    db.session.commit()
    client = login(people.moderator)
    compose(client, people.circle)
    message = only_draft(people.circle)

    client.post(f"/qualitaetszirkel/{people.circle.id}/nachrichten/{message.id}/senden")

    assert [m["To"].addresses[0].addr_spec for m in deliver()] == [people.moderator.email]


def test_members_and_outsiders_cannot_write_to_the_circle(people, login):
    for person in (people.member, people.outsider):
        client = login(person)
        new_page = client.get(f"/qualitaetszirkel/{people.circle.id}/nachrichten/neu")
        assert new_page.status_code == 403
        assert compose(client, people.circle).status_code == 403
    assert db.session.execute(select(ListMessage)).first() is None


def test_a_moderator_cannot_send_another_circles_message_through_their_own(people, login):
    other = factories.make_circle(name="QZ Sozialraum Nord")
    db.session.commit()
    message = ListMessage(
        list_id=circle_mailing_list(other).id, subject="Intern", body="Nur für Nord."
    )
    db.session.add(message)
    db.session.commit()
    client = login(people.moderator)

    for url in (
        f"/qualitaetszirkel/{people.circle.id}/nachrichten/{message.id}",
        f"/qualitaetszirkel/{other.id}/nachrichten/{message.id}",
    ):
        assert client.get(url).status_code in (403, 404), url
    response = client.post(f"/qualitaetszirkel/{people.circle.id}/nachrichten/{message.id}/senden")
    assert response.status_code == 404
    db.session.refresh(message)
    assert message.state == ListMessageState.DRAFT


def test_a_missing_subject_is_named_in_german_and_nothing_is_saved(people, login):
    response = compose(login(people.moderator), people.circle, subject="")

    assert response.status_code == 200
    assert "Betreff" in response.get_data(as_text=True)
    assert db.session.execute(select(ListMessage)).first() is None
