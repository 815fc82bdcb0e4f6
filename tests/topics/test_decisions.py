"""The coordinator moves suggestions through states, merges duplicates and plans workshops;
the suggester hears of each decision by e-mail."""

from sqlalchemy import func, select

from netzwerk.db import db
from netzwerk.events.models import Event, EventState, Workshop
from netzwerk.topics.models import TopicState
from netzwerk.topics.operations import merge_topics
from netzwerk.topics.queries import topics_for_workshops
from tests import factories
from tests.conftest import mail_body
from tests.helpers import text_of
from tests.topics.conftest import add_votes, make_fachtag, make_topic, reload, votes_for


def test_state_change_with_reason_is_public_and_mailed(coordinator_client, deliver, smtp):
    suggester = factories.make_member(email="suggester@example.org")
    topic = make_topic(member=suggester)
    response = coordinator_client.post(
        f"/verwaltung/themen/{topic.id}/status",
        data={"state": "angenommen", "reason": "Passt gut zum Schwerpunkt Medien."},
        follow_redirects=True,
    )
    assert "Der Vorschlag ist jetzt „Angenommen“." in text_of(response.text)
    topic = reload(topic)
    assert topic.state == TopicState.ACCEPTED
    assert topic.public_reason == "Passt gut zum Schwerpunkt Medien."

    deliver()
    [message] = smtp.to("suggester@example.org")
    assert "Angenommen" in message["Subject"]
    body = mail_body(message)
    assert "Ihr Themenvorschlag „Cybermobbing in der Grundschule“ ist angenommen." in body
    assert "Passt gut zum Schwerpunkt Medien." in body
    assert f"/themen/{topic.id}" in body

    public = text_of(coordinator_client.get(f"/themen/{topic.id}").text)
    assert "Angenommen: Passt gut zum Schwerpunkt Medien." in public


def test_rejecting_needs_a_reason(coordinator_client):
    topic = make_topic()
    response = coordinator_client.post(
        f"/verwaltung/themen/{topic.id}/status", data={"state": "abgelehnt", "reason": ""}
    )
    assert response.status_code == 422
    assert "Bitte begründen Sie die Ablehnung kurz" in response.text
    assert reload(topic).state == TopicState.SUBMITTED


def test_public_suggester_is_told_of_a_rejection(coordinator_client, deliver, smtp):
    topic = make_topic(suggester_name="Jana Berger", suggester_email="jana@example.org")
    coordinator_client.post(
        f"/verwaltung/themen/{topic.id}/status",
        data={"state": "abgelehnt", "reason": "Das Thema hatten wir im letzten Jahr."},
    )
    deliver()
    [message] = smtp.to("jana@example.org")
    body = mail_body(message)
    assert body.startswith("Guten Tag Jana Berger,")
    assert "kann leider nicht aufgegriffen werden" in body
    assert "Das Thema hatten wir im letzten Jahr." in body


def test_merge_carries_votes_over_and_counts_overlapping_voters_once(
    coordinator_client, deliver, smtp
):
    both = [factories.make_member() for _ in range(2)]
    only_source = [factories.make_member() for _ in range(3)]
    only_target = [factories.make_member() for _ in range(4)]
    suggester = factories.make_member(email="doppelt@example.org")
    target = make_topic(title="Medienkompetenz stärken")
    source = make_topic(title="Handys im Unterricht", member=suggester)
    add_votes(target, both + only_target)
    add_votes(source, both + only_source)
    assert (reload(target).vote_count, reload(source).vote_count) == (6, 5)

    response = coordinator_client.post(
        f"/verwaltung/themen/{source.id}/zusammenfuehren",
        data={"target": str(target.id)},
        follow_redirects=True,
    )
    assert "dieser hat jetzt 9 Stimmen" in text_of(response.text)
    target, source = reload(target), reload(source)
    assert target.vote_count == 9 == votes_for(target.id)
    assert source.vote_count == 0 == votes_for(source.id)
    assert source.merged_into_id == target.id

    deliver()
    [message] = smtp.to("doppelt@example.org")
    body = mail_body(message)
    assert "„Medienkompetenz stärken“" in body
    assert f"/themen/{target.id}" in body


def test_merged_voter_cannot_vote_twice_on_the_target(app, client, auth):
    voter = factories.make_member(with_account=True)
    target, source = make_topic(title="Ziel"), make_topic(title="Doppelt")
    add_votes(source, [voter])
    merge_topics(source, target)
    db.session.commit()
    auth.login(voter.email)
    response = client.post(f"/themen/{target.id}/abstimmen", follow_redirects=True)
    assert "bereits abgestimmt" in response.text
    assert reload(target).vote_count == 1 == votes_for(target.id)


def test_merge_into_a_rejected_or_itself_is_refused(coordinator_client):
    rejected = make_topic(title="Abgelehnt", state=TopicState.REJECTED)
    topic = make_topic()
    for target in (rejected.id, topic.id):
        response = coordinator_client.post(
            f"/verwaltung/themen/{topic.id}/zusammenfuehren", data={"target": str(target)}
        )
        assert response.status_code == 422
    assert reload(topic).merged_into_id is None


def test_turn_into_workshop_links_both_ways_and_mails(coordinator_client, deliver, smtp):
    fachtag = make_fachtag(title="Fachtag 2027", workshops=[("Kinderschutz", 1, 20)])
    suggester = factories.make_member(email="workshop@example.org", first_name="Tarik")
    topic = make_topic(
        member=suggester,
        state=TopicState.ACCEPTED,
        offers_workshop=True,
        learning_goal="Methoden für den Klassenrat",
    )
    form = coordinator_client.get(f"/verwaltung/themen/{topic.id}").text
    assert "Fachtag 2027" in form
    assert suggester.full_name in form  # offered a workshop: suggested as facilitator

    response = coordinator_client.post(
        f"/verwaltung/themen/{topic.id}/forum",
        data={
            "event": str(fachtag.id),
            "slot": "2",
            "title": "Cybermobbing: erkennen und handeln",
            "facilitator": suggester.full_name,
            "reason": "",
        },
        follow_redirects=True,
    )
    assert "Das Forum „Cybermobbing: erkennen und handeln“ ist bei „Fachtag 2027“ angelegt" in (
        text_of(response.text)
    )
    topic = reload(topic)
    assert topic.state == TopicState.SCHEDULED
    workshop = topic.workshop
    assert workshop.event_id == fachtag.id
    assert workshop.slot == 2
    assert workshop.title == "Cybermobbing: erkennen und handeln"
    assert "Was tun, wenn es im Klassenchat eskaliert?" in workshop.description
    assert "Methoden für den Klassenrat" in workshop.description
    assert workshop.facilitator == suggester.full_name
    assert topics_for_workshops([workshop.id]) == {workshop.id: topic}  # and back

    public = text_of(coordinator_client.get(f"/themen/{topic.id}").text)
    assert "Forum „Cybermobbing: erkennen und handeln“ bei Fachtag 2027" in public

    deliver()
    [message] = smtp.to("workshop@example.org")
    body = mail_body(message)
    assert "ist eingeplant" in body
    assert "Forum: Cybermobbing: erkennen und handeln (Zeitfenster 2)" in body
    assert f"/veranstaltungen/{fachtag.id}" in body


def test_a_workshop_is_made_once_and_not_for_past_or_cancelled_events(coordinator_client):
    cancelled = make_fachtag(state=EventState.CANCELLED)
    topic = make_topic(state=TopicState.ACCEPTED)
    data = {"event": str(cancelled.id), "slot": "1", "title": "Forum"}
    response = coordinator_client.post(f"/verwaltung/themen/{topic.id}/forum", data=data)
    assert response.status_code == 422
    fachtag = make_fachtag()
    data["event"] = str(fachtag.id)
    coordinator_client.post(f"/verwaltung/themen/{topic.id}/forum", data=data)
    again = coordinator_client.post(f"/verwaltung/themen/{topic.id}/forum", data=data)
    assert again.status_code == 422
    assert db.session.execute(select(func.count()).select_from(Workshop)).scalar_one() == 1


def test_suggesters_of_merged_duplicates_hear_of_later_decisions(coordinator_client, deliver, smtp):
    target = make_topic(member=factories.make_member(email="ziel@example.org"))
    source = make_topic(title="Doppelt", member=factories.make_member(email="quelle@example.org"))
    coordinator_client.post(
        f"/verwaltung/themen/{source.id}/zusammenfuehren", data={"target": str(target.id)}
    )
    coordinator_client.post(
        f"/verwaltung/themen/{target.id}/status", data={"state": "in_pruefung", "reason": ""}
    )
    deliver()
    assert len(smtp.to("ziel@example.org")) == 1
    merged_mail, decision = smtp.to("quelle@example.org")
    assert "zusammengeführt" in merged_mail["Subject"]
    assert "Ihr Vorschlag „Doppelt“ wurde mit dem folgenden zusammengeführt" in mail_body(decision)


def test_coordinator_sets_the_suggestion_phase(coordinator_client):
    fachtag = make_fachtag(opens_in=None, closes_in=None, title="Fachtag 2027")
    overview = text_of(coordinator_client.get("/verwaltung/themen/").text)
    assert "Fachtag 2027" in overview and "nicht festgelegt" in overview

    bad = coordinator_client.post(
        f"/verwaltung/themen/phasen/{fachtag.id}",
        data={"opens": "2030-03-01T09:00", "closes": "2030-02-01T09:00"},
    )
    assert bad.status_code == 422
    assert "Das Ende der Vorschlagsphase muss nach ihrem Beginn liegen." in bad.text

    coordinator_client.post(
        f"/verwaltung/themen/phasen/{fachtag.id}",
        data={"opens": "01.01.2020 09:00", "closes": ""},
    )
    db.session.expire_all()
    event = db.session.get(Event, fachtag.id)
    assert event.suggestions_open_dt.year == 2020
    assert event.suggestions_close_dt is None
    overview = text_of(coordinator_client.get("/verwaltung/themen/").text)
    assert "offen" in overview
