"""The demo network gains about twenty suggestions in every state, with votes and comments."""

from sqlalchemy import func, select

from netzwerk.db import db
from netzwerk.demo.network import build_network
from netzwerk.demo.topics import build_topics
from netzwerk.events.models import Event, EventKind, EventState
from netzwerk.topics.models import TopicComment, TopicState, TopicSuggestion, TopicVote
from netzwerk.topics.queries import topics_for_workshops
from tests.topics.conftest import count


def test_demo_topics_cover_every_state_with_consistent_votes(app):
    ctx = build_network()
    if "Themenvorschläge" not in ctx.counts:  # until the lead adds it to BUILDERS
        build_topics(ctx)
    db.session.commit()

    assert 18 <= count(TopicSuggestion) <= 25
    states = set(db.session.execute(select(TopicSuggestion.state).distinct()).scalars())
    assert states == set(TopicState)
    assert count(TopicSuggestion, TopicSuggestion.merged_into_id.is_not(None)) == 1
    assert count(TopicComment) >= 5

    counted = dict(
        db.session.execute(
            select(TopicVote.topic_id, func.count()).group_by(TopicVote.topic_id)
        ).all()
    )
    for topic in db.session.execute(select(TopicSuggestion)).scalars():
        assert topic.vote_count == counted.get(topic.id, 0), topic.title

    fachtag = (
        db.session.execute(
            select(Event)
            .where(Event.kind == EventKind.FACHTAG, Event.state == EventState.PUBLISHED)
            .order_by(Event.start_dt.desc())
        )
        .scalars()
        .first()
    )
    assert count(TopicSuggestion, TopicSuggestion.event_id == fachtag.id) >= 5
    planned = db.session.execute(
        select(TopicSuggestion).where(TopicSuggestion.workshop_id.is_not(None))
    ).scalar_one()
    assert planned.state == TopicState.SCHEDULED
    assert planned.workshop.event_id == fachtag.id
    assert topics_for_workshops([planned.workshop_id]) == {planned.workshop_id: planned}
    assert fachtag.suggestions_open_dt is not None
