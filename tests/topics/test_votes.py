"""One vote per member and suggestion, withdrawable; merged or rejected suggestions take none."""

from netzwerk.topics import operations
from netzwerk.topics.models import TopicState
from netzwerk.topics.rules import TopicRefused
from tests import factories
from tests.helpers import text_of
from tests.topics.conftest import add_votes, make_fachtag, make_topic, reload, votes_for


def test_member_votes_and_withdraws(member_client):
    topic = make_topic()
    page = member_client.get(f"/themen/{topic.id}").text
    assert ">Für dieses Thema stimmen</button>" in page

    voted = member_client.post(f"/themen/{topic.id}/abstimmen", follow_redirects=True)
    assert "Ihre Stimme ist gezählt." in voted.text
    assert ">Stimme zurückziehen</button>" in voted.text
    assert reload(topic).vote_count == 1 == votes_for(topic.id)

    withdrawn = member_client.post(
        f"/themen/{topic.id}/stimme-zurueckziehen", follow_redirects=True
    )
    assert "Ihre Stimme ist zurückgezogen." in withdrawn.text
    assert reload(topic).vote_count == 0 == votes_for(topic.id)


def test_a_second_vote_is_not_counted(member_client):
    topic = make_topic()
    member_client.post(f"/themen/{topic.id}/abstimmen")
    again = member_client.post(f"/themen/{topic.id}/abstimmen", follow_redirects=True)
    assert again.status_code == 200
    assert "Sie haben für diesen Vorschlag bereits abgestimmt." in again.text
    assert reload(topic).vote_count == 1 == votes_for(topic.id)


def test_withdrawing_twice_takes_one_vote_only(member_client):
    topic = make_topic()
    add_votes(topic, [factories.make_member()])
    member_client.post(f"/themen/{topic.id}/abstimmen")
    member_client.post(f"/themen/{topic.id}/stimme-zurueckziehen")
    member_client.post(f"/themen/{topic.id}/stimme-zurueckziehen")
    assert reload(topic).vote_count == 1 == votes_for(topic.id)


def test_rejected_suggestion_takes_no_votes(member_client):
    topic = make_topic(state=TopicState.REJECTED, public_reason="Gab es letztes Jahr.")
    page = text_of(member_client.get(f"/themen/{topic.id}").text)
    assert "nimmt keine Stimmen mehr an" in page
    response = member_client.post(f"/themen/{topic.id}/abstimmen", follow_redirects=True)
    assert "Dieser Vorschlag wurde abgelehnt und nimmt keine Stimmen mehr an." in response.text
    assert reload(topic).vote_count == 0 == votes_for(topic.id)


def test_merged_suggestion_takes_no_votes_and_points_to_the_target(member_client):
    target = make_topic(title="Medienkompetenz stärken")
    source = make_topic(title="Handys im Unterricht", merged_into_id=target.id)
    page = text_of(member_client.get(f"/themen/{source.id}").text)
    assert "Zusammengeführt" in page
    assert f"Nr. {target.id} „Medienkompetenz stärken“" in page

    response = member_client.post(f"/themen/{source.id}/abstimmen", follow_redirects=True)
    assert (
        f"Dieser Vorschlag wurde mit Vorschlag Nr. {target.id} zusammengeführt. "
        "Bitte stimmen Sie dort ab." in response.text
    )
    assert votes_for(source.id) == 0


def test_cast_vote_refuses_rejected_suggestions_as_an_operation(app):
    topic = make_topic(state=TopicState.REJECTED)
    try:
        operations.cast_vote(topic, factories.make_member())
    except TopicRefused as refused:
        assert "abgelehnt" in refused.message
    else:
        raise AssertionError("a rejected suggestion took a vote")


def test_visitors_cannot_vote(client):
    topic = make_topic()
    response = client.post(f"/themen/{topic.id}/abstimmen")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert votes_for(topic.id) == 0


def test_members_comment_and_the_list_counts_comments(member_client, member):
    topic = make_topic()
    response = member_client.post(
        f"/themen/{topic.id}/kommentieren",
        data={"text": "Sehr wichtig, bei uns jede Woche Thema."},
        follow_redirects=True,
    )
    page = text_of(response.text)
    assert "Ihr Kommentar ist veröffentlicht." in page
    assert member.full_name in page
    assert "Sehr wichtig, bei uns jede Woche Thema." in page
    row = text_of(member_client.get("/themen/").text)
    assert "Cybermobbing in der Grundschule Eingereicht 0 1" in row.replace("allgemein ", "")


def test_an_empty_comment_is_refused_in_german(member_client):
    topic = make_topic()
    response = member_client.post(f"/themen/{topic.id}/kommentieren", data={"text": "  "})
    assert response.status_code == 422
    assert "Ihr Kommentar: Bitte füllen Sie dieses Feld aus." in text_of(response.text)


def test_list_sorts_by_votes_newest_or_status(member_client):
    few = make_topic(title="Wenige Stimmen")
    many = make_topic(title="Viele Stimmen", state=TopicState.ACCEPTED)
    add_votes(many, [factories.make_member() for _ in range(3)])
    add_votes(few, [factories.make_member()])
    newest = make_topic(title="Ganz neu", state=TopicState.IN_REVIEW)

    def order(sort):
        page = member_client.get(f"/themen/?sortierung={sort}").text
        return sorted(
            ("Wenige Stimmen", "Viele Stimmen", "Ganz neu"), key=lambda title: page.index(title)
        )

    assert order("stimmen") == ["Viele Stimmen", "Wenige Stimmen", "Ganz neu"]
    assert order("neu")[0] == "Ganz neu"
    assert order("status") == ["Wenige Stimmen", "Ganz neu", "Viele Stimmen"]
    assert newest.id


def test_list_filters_by_state_and_event(member_client):
    fachtag = make_fachtag(title="Fachtag 2027")
    make_topic(title="Für den Fachtag", event_id=fachtag.id)
    make_topic(title="Allgemeines Thema", state=TopicState.ACCEPTED)

    by_event = member_client.get(f"/themen/?veranstaltung={fachtag.id}").text
    assert "Für den Fachtag" in by_event and "Allgemeines Thema" not in by_event
    general = member_client.get("/themen/?veranstaltung=allgemein").text
    assert "Allgemeines Thema" in general and "Für den Fachtag" not in general
    accepted = member_client.get("/themen/?status=angenommen").text
    assert "Allgemeines Thema" in accepted and "Für den Fachtag" not in accepted
