"""The suggestions with their votes as an Excel CSV for the planning group."""

from __future__ import annotations

from netzwerk.audit import record_audit
from netzwerk.core.timeutil import utc_to_berlin
from netzwerk.members.transfer import CsvExport, dated_filename
from netzwerk.members.transfer_csv import write_csv
from netzwerk.topics import queries
from netzwerk.topics.models import TopicSuggestion

HEADER = [
    "Nr.",
    "Thema",
    "Status",
    "Stimmen",
    "Kommentare",
    "Veranstaltung",
    "Workshop-Angebot",
    "Worum geht es?",
    "Was möchten Sie dazu lernen?",
    "Öffentliche Begründung",
    "Zusammengeführt mit Nr.",
    "Forum",
    "Vorgeschlagen von",
    "E-Mail",
    "Eingereicht am",
]


def _cells(topic: TopicSuggestion, comments: int) -> list[str]:
    name = topic.member.full_name if topic.member else topic.suggester_name
    email = topic.member.email if topic.member else topic.suggester_email
    return [
        str(topic.id),
        topic.title,
        topic.state_label,
        str(topic.vote_count),
        str(comments),
        topic.event.title if topic.event else "allgemein",
        "ja" if topic.offers_workshop else "nein",
        topic.description,
        topic.learning_goal,
        topic.public_reason,
        str(topic.merged_into_id or ""),
        topic.workshop.title if topic.workshop else "",
        name,
        email,
        utc_to_berlin(topic.created_dt).strftime("%d.%m.%Y"),
    ]


def export_topics(filters: queries.TopicFilters) -> CsvExport:
    """Confirmed suggestions, most votes first; names and addresses go into the audit log."""
    topics = queries.all_topics(filters)
    comments = queries.comment_counts(t.id for t in topics)
    content = write_csv(HEADER, (_cells(t, comments[t.id]) for t in topics))
    record_audit("export", "topic", None, f"Themenvorschläge exportiert: {len(topics)}")
    return CsvExport(dated_filename("themenvorschlaege"), content, len(topics))
