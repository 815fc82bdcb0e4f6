"""Helpers for the topic tests: suggestions and events stored directly, links from mails."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from netzwerk.db import db, utcnow
from netzwerk.events.models import EventKind
from netzwerk.topics.models import TopicState, TopicSuggestion, TopicVote
from tests import factories
from tests.conftest import mail_body


def link_in(message) -> str:
    return re.search(r"https?://\S+", mail_body(message)).group(0)


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def votes_for(topic_id: int) -> int:
    return count(TopicVote, TopicVote.topic_id == topic_id)


def reload(topic: TopicSuggestion | int) -> TopicSuggestion:
    db.session.expire_all()
    return db.session.get(TopicSuggestion, getattr(topic, "id", topic))


def make_topic(
    *, title="Cybermobbing in der Grundschule", member=None, state=TopicState.SUBMITTED, **fields
) -> TopicSuggestion:
    topic = TopicSuggestion(
        title=title,
        description=fields.pop("description", "Was tun, wenn es im Klassenchat eskaliert?"),
        member_id=member.id if member else None,
        state=state,
        vote_count=0,
        **fields,
    )
    db.session.add(topic)
    db.session.commit()
    return topic


def add_votes(topic: TopicSuggestion, members) -> None:
    for m in members:
        db.session.add(TopicVote(topic_id=topic.id, member_id=m.id))
    db.session.flush()
    topic.vote_count = votes_for(topic.id)
    db.session.commit()


def make_fachtag(*, opens_in=timedelta(days=-1), closes_in=timedelta(days=14), **kwargs):
    """A published Fachtag 60 days ahead whose suggestion phase runs from now+opens_in to
    now+closes_in (None: no bound)."""
    now = utcnow()
    return factories.make_event(
        kind=EventKind.FACHTAG,
        days_ahead=kwargs.pop("days_ahead", 60),
        suggestions_open_dt=now + opens_in if opens_in is not None else None,
        suggestions_close_dt=now + closes_in if closes_in is not None else None,
        **kwargs,
    )


@pytest.fixture()
def suggestion_data():
    def data(**overrides) -> dict:
        values = {
            "title": "Cybermobbing in der Grundschule",
            "description": "Immer mehr Kinder haben ein Smartphone; Streit geht im Chat weiter.",
            "learning_goal": "Wie spreche ich mit Eltern darüber?",
            "offers_workshop": "y",
            "event": "",
        }
        values.update(overrides)
        return {k: v for k, v in values.items() if v is not None}

    return data


@pytest.fixture()
def public_suggestions(app):
    app.config["TOPICS_PUBLIC_SUGGESTIONS"] = True
    return app
