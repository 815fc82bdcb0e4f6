"""Members suggest topics, for an event only while its suggestion phase is open."""

from datetime import timedelta

from sqlalchemy import select

from netzwerk.db import db
from netzwerk.events.models import EventState
from netzwerk.topics.models import TopicState, TopicSuggestion
from tests.helpers import text_of
from tests.topics.conftest import count, make_fachtag


def only_topic() -> TopicSuggestion:
    return db.session.execute(select(TopicSuggestion)).scalar_one()


def test_member_suggests_a_general_topic_and_sees_it_in_the_list(
    member_client, member, suggestion_data
):
    response = member_client.post("/themen/vorschlagen", data=suggestion_data())
    assert response.status_code == 302
    topic = only_topic()
    assert topic.state == TopicState.SUBMITTED
    assert topic.member_id == member.id
    assert topic.offers_workshop
    assert topic.event_id is None
    assert topic.learning_goal == "Wie spreche ich mit Eltern darüber?"

    listing = text_of(member_client.get("/themen/").text)
    assert "Cybermobbing in der Grundschule" in listing
    assert "Workshop-Angebot" in listing
    assert "Eingereicht" in listing


def test_member_suggests_for_an_event_in_its_open_phase(member_client, suggestion_data):
    fachtag = make_fachtag(title="Fachtag 2027")
    form = member_client.get("/themen/vorschlagen").text
    assert "Fachtag 2027" in form

    member_client.post("/themen/vorschlagen", data=suggestion_data(event=str(fachtag.id)))
    assert only_topic().event_id == fachtag.id


def test_closed_phase_refuses_with_a_german_message_and_keeps_the_input(
    member_client, suggestion_data
):
    fachtag = make_fachtag(
        title="Fachtag 2027", opens_in=timedelta(days=-20), closes_in=timedelta(days=-1)
    )
    assert "Fachtag 2027" not in member_client.get("/themen/vorschlagen").text

    response = member_client.post(
        "/themen/vorschlagen", data=suggestion_data(event=str(fachtag.id))
    )
    assert response.status_code == 422
    page = text_of(response.text)
    assert "Die Vorschlagsphase für „Fachtag 2027“ endete am" in page
    assert "Cybermobbing in der Grundschule" in response.text
    assert count(TopicSuggestion) == 0


def test_phase_not_yet_open_refuses(member_client, suggestion_data):
    fachtag = make_fachtag(title="Fachtag 2027", opens_in=timedelta(days=3), closes_in=None)
    response = member_client.post(
        "/themen/vorschlagen", data=suggestion_data(event=str(fachtag.id))
    )
    assert response.status_code == 422
    assert "Themenvorschläge für „Fachtag 2027“ nehmen wir ab dem" in text_of(response.text)
    assert count(TopicSuggestion) == 0


def test_an_event_without_a_phase_or_a_draft_takes_no_suggestions(member_client, suggestion_data):
    no_phase = make_fachtag(opens_in=None, closes_in=None)
    draft = make_fachtag(state=EventState.DRAFT)
    for event in (no_phase, draft):
        response = member_client.post(
            "/themen/vorschlagen", data=suggestion_data(event=str(event.id))
        )
        assert response.status_code == 422
    assert count(TopicSuggestion) == 0


def test_missing_title_and_description_are_named_in_german(member_client, suggestion_data):
    response = member_client.post(
        "/themen/vorschlagen", data=suggestion_data(title="   ", description="")
    )
    assert response.status_code == 422
    page = text_of(response.text)
    assert "Thema: Bitte füllen Sie dieses Feld aus." in page
    assert "Worum geht es?: Bitte füllen Sie dieses Feld aus." in page
    assert "Wie spreche ich mit Eltern darüber?" in response.text
    assert count(TopicSuggestion) == 0


def test_visitors_must_log_in_while_public_suggestions_are_off(client, suggestion_data):
    for url in ("/themen/", "/themen/vorschlagen"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    client.post("/themen/vorschlagen", data=suggestion_data())
    assert count(TopicSuggestion) == 0
