"""The list and the office overview cost the same number of statements at any size; the CSV
export opens in Excel."""

import csv
import io

from sqlalchemy import select

from netzwerk.accounts.models import AuditEntry
from netzwerk.db import db
from netzwerk.topics.models import TopicComment, TopicState
from tests import factories
from tests.helpers import statements_for
from tests.topics.conftest import add_votes, make_fachtag, make_topic


def grow(n: int, fachtag) -> None:
    """n more suggestions in every kind of state, with votes and comments."""
    states = list(TopicState)
    voters = [factories.make_member() for _ in range(2)]
    for i in range(n):
        topic = make_topic(
            title=f"Thema {i}",
            state=states[i % len(states)],
            member=voters[i % 2],
            event_id=fachtag.id if i % 2 else None,
            offers_workshop=bool(i % 3),
        )
        add_votes(topic, voters[: i % 3])
        db.session.add(TopicComment(topic_id=topic.id, member_id=voters[0].id, text="Gut!"))
    target = make_topic(title="Ziel")
    make_topic(title="Doppelt", merged_into_id=target.id)
    db.session.commit()


def test_list_costs_the_same_statements_at_two_sizes(member_client):
    fachtag = make_fachtag()
    grow(3, fachtag)
    small = statements_for(member_client, "/themen/")
    grow(12, fachtag)
    assert statements_for(member_client, "/themen/") == small
    assert statements_for(member_client, f"/themen/?sortierung=status&veranstaltung={fachtag.id}")


def test_admin_overview_costs_the_same_statements_at_two_sizes(coordinator_client):
    fachtag = make_fachtag()
    make_fachtag()
    grow(3, fachtag)
    small = statements_for(coordinator_client, "/verwaltung/themen/")
    grow(12, fachtag)
    make_fachtag()
    assert statements_for(coordinator_client, "/verwaltung/themen/") == small


def test_detail_pages_cost_the_same_statements_with_more_comments(
    member_client, coordinator_client
):
    topic = make_topic()
    voters = [factories.make_member() for _ in range(3)]
    db.session.add(TopicComment(topic_id=topic.id, member_id=voters[0].id, text="Eins"))
    db.session.commit()
    small = statements_for(member_client, f"/themen/{topic.id}")
    for m in voters:
        db.session.add(TopicComment(topic_id=topic.id, member_id=m.id, text="Noch einer"))
    db.session.commit()
    assert statements_for(member_client, f"/themen/{topic.id}") == small


def test_csv_export_has_votes_and_parses_as_excel_csv(coordinator_client):
    suggester = factories.make_member(first_name="Ilse", last_name="Krämer")
    fachtag = make_fachtag(title="Fachtag 2027")
    popular = make_topic(title="=Formel? Nein: Elternarbeit", member=suggester, event_id=fachtag.id)
    add_votes(popular, [factories.make_member() for _ in range(3)])
    make_topic(title="Zweites Thema", suggester_name="Jana Berger", suggester_email="j@example.org")
    make_topic(title="Unbestätigt", state=TopicState.UNCONFIRMED, suggester_email="x@example.org")

    response = coordinator_client.get("/verwaltung/themen/themen.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [r["Thema"] for r in rows] == ["'=Formel? Nein: Elternarbeit", "Zweites Thema"]
    first = rows[0]
    assert first["Stimmen"] == "3"
    assert first["Status"] == "Eingereicht"
    assert first["Veranstaltung"] == "Fachtag 2027"
    assert first["Vorgeschlagen von"] == "Ilse Krämer"
    assert rows[1]["E-Mail"] == "j@example.org"

    audit = db.session.execute(select(AuditEntry)).scalars().all()
    assert [a.action for a in audit] == ["export"]


def test_admin_detail_shows_the_suggester_and_the_actions(coordinator_client):
    suggester = factories.make_member(first_name="Ilse", last_name="Krämer")
    topic = make_topic(member=suggester)
    page = coordinator_client.get(f"/verwaltung/themen/{topic.id}").text
    assert "Ilse Krämer" in page
    assert suggester.email in page
    for label in ("Status ändern", "In Workshop umwandeln", "Mit einem anderen Vorschlag"):
        assert label in page
