"""E-mails to the person who suggested a topic: confirmation link and each decision."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from netzwerk.core.urls import external_url
from netzwerk.db import db
from netzwerk.mailing.outbox import queue_mail
from netzwerk.topics.models import TopicState, TopicSuggestion


def _suggester(topic: TopicSuggestion) -> tuple[str, str] | None:
    """(e-mail, name) of whoever suggested the topic, if we may still write to them."""
    if topic.member is not None:
        return topic.member.email, topic.member.full_name
    if topic.suggester_email and topic.state != TopicState.UNCONFIRMED:
        return topic.suggester_email, topic.suggester_name
    return None


def _recipients(topic: TopicSuggestion) -> list[tuple[str, str, TopicSuggestion]]:
    """(e-mail, name, their own suggestion): the suggester, and those whose duplicates were
    merged into this one, each address once."""
    duplicates = db.session.execute(
        select(TopicSuggestion)
        .where(TopicSuggestion.merged_into_id == topic.id)
        .options(joinedload(TopicSuggestion.member))
        .order_by(TopicSuggestion.id)
    ).scalars()
    recipients: dict[str, tuple[str, str, TopicSuggestion]] = {}
    for own in (topic, *duplicates):
        found = _suggester(own)
        if found is not None:
            recipients.setdefault(found[0].lower(), (*found, own))
    return list(recipients.values())


def _tell(topic: TopicSuggestion, subject: str, template: str, **context) -> None:
    for email, name, own in _recipients(topic):
        queue_mail(
            to_email=email,
            to_name=name,
            subject=subject,
            template=template,
            reply_to=current_app.config.get("OFFICE_EMAIL"),
            topic=topic,
            own=own,
            link=external_url("topics.detail", topic_id=topic.id),
            **context,
        )


def confirmation_link(topic: TopicSuggestion, link: str, days: int) -> None:
    queue_mail(
        to_email=topic.suggester_email,
        to_name=topic.suggester_name,
        subject="Bitte bestätigen Sie Ihren Themenvorschlag",
        template="topic_confirm",
        topic=topic,
        link=link,
        days=days,
    )


def state_changed(topic: TopicSuggestion) -> None:
    _tell(
        topic,
        f"Ihr Themenvorschlag „{topic.title}“: {topic.state.label}",
        "topic_state_changed",
    )


def merged(source: TopicSuggestion, target: TopicSuggestion) -> None:
    recipient = _suggester(source)
    if recipient is None:
        return
    queue_mail(
        to_email=recipient[0],
        to_name=recipient[1],
        subject=f"Ihr Themenvorschlag „{source.title}“ wurde zusammengeführt",
        template="topic_merged",
        reply_to=current_app.config.get("OFFICE_EMAIL"),
        topic=source,
        target=target,
        target_link=external_url("topics.detail", topic_id=target.id),
    )


def planned_as_workshop(topic: TopicSuggestion) -> None:
    workshop = topic.workshop
    _tell(
        topic,
        f"Ihr Themenvorschlag „{topic.title}“ ist eingeplant",
        "topic_workshop",
        workshop=workshop,
        event=workshop.event,
        event_link=external_url("events.detail", event_id=workshop.event_id),
    )
