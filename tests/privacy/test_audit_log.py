"""The audit log for coordinators: who did what to whose data, when; filtered and paged."""

from datetime import datetime, timedelta

from sqlalchemy import select

from netzwerk.accounts.models import AuditEntry
from netzwerk.core.timeutil import berlin_to_utc
from netzwerk.db import db, utcnow
from tests import factories
from tests.helpers import statements_for, text_of

LOG = "/verwaltung/datenschutz/protokoll"


def entry(action="member.update", when=None, actor=None, summary="Telefon geändert", oid=7):
    record = AuditEntry(
        action=action,
        object_type="member",
        object_id=oid,
        summary=summary,
        actor_id=actor.id if actor else None,
        created_dt=when or utcnow(),
    )
    db.session.add(record)
    return record


def rows(client, **query) -> str:
    response = client.get(LOG, query_string=query)
    assert response.status_code == 200
    return text_of(response.get_data(as_text=True))


def test_the_log_shows_who_did_what_to_whom_and_when(coordinator_client, coordinator):
    entry(actor=coordinator, summary="Telefon von Lea Wagner geändert")
    db.session.commit()

    text = rows(coordinator_client)

    assert "Karin Koordinatorin" in text
    assert "Mitglied geändert" in text
    assert "Mitglied #7" in text
    assert "Telefon von Lea Wagner geändert" in text


def test_filter_by_action(coordinator_client):
    entry("member.update", summary="geändert A")
    entry("export", summary="exportiert B")
    db.session.commit()

    text = rows(coordinator_client, aktion="export")

    assert "exportiert B" in text and "geändert A" not in text
    assert "1 Eintrag" in text


def test_filter_by_date_in_berlin_time(coordinator_client):
    # 00:30 Berlin on 2 March is still 1 March in UTC: it belongs to 2 March here.
    entry(when=berlin_to_utc(datetime(2026, 3, 2, 0, 30)), summary="früh am zweiten")
    entry(when=berlin_to_utc(datetime(2026, 3, 1, 23, 30)), summary="spät am ersten")
    entry(when=berlin_to_utc(datetime(2026, 3, 3, 9, 0)), summary="am dritten")
    db.session.commit()

    text = rows(coordinator_client, von="2026-03-02", bis="2026-03-02")

    assert "früh am zweiten" in text
    assert "spät am ersten" not in text and "am dritten" not in text


def test_a_wrong_date_gets_a_message_next_to_the_field(coordinator_client):
    entry(summary="bleibt sichtbar")
    db.session.commit()

    response = coordinator_client.get(LOG, query_string={"von": "32.13.2026"})

    html = response.get_data(as_text=True)
    assert "Bitte geben Sie ein gültiges Datum an" in html
    assert 'value="32.13.2026"' in html
    assert "bleibt sichtbar" in html


def test_an_end_before_the_start_is_explained(coordinator_client):
    text = rows(coordinator_client, von="2026-03-05", bis="2026-03-01")

    assert "Das Enddatum liegt vor dem Anfangsdatum." in text


def test_the_log_is_paged_newest_first(app, coordinator_client):
    app.config["PRIVACY_AUDIT_PER_PAGE"] = 5
    for n in range(7):
        entry(summary=f"Eintrag Nummer {n}", when=utcnow() - timedelta(minutes=10 - n))
    db.session.commit()

    first, second = rows(coordinator_client), rows(coordinator_client, page=2)

    assert "Eintrag Nummer 6" in first and "Eintrag Nummer 1" not in first
    assert "Eintrag Nummer 1" in second and "Eintrag Nummer 0" in second
    assert "Seite 2 von 2" in second


def test_the_log_costs_the_same_statements_for_few_or_many(coordinator_client):
    def add(n: int) -> None:
        for i in range(n):
            actor = factories.make_coordinator(name=f"Koordination {i}")
            entry(action=f"aktion.{i % 3}", actor=actor)
        db.session.commit()

    add(2)
    few = statements_for(coordinator_client, LOG)
    add(20)
    many = statements_for(coordinator_client, LOG)

    assert few == many


def test_changes_exports_and_erasures_through_the_pages_land_in_the_log(
    coordinator_client, coordinator
):
    lea = factories.make_member(first_name="Lea", last_name="Wagner", email="lea@example.org")
    factories.make_member(first_name="Gerd", last_name="Gast", email="gerd@example.org")

    coordinator_client.post(f"/verwaltung/mitglieder/{lea.id}/deaktivieren")
    coordinator_client.get("/verwaltung/daten/mitglieder.csv")
    coordinator_client.post("/verwaltung/datenschutz/person/auskunft?email=lea@example.org")
    coordinator_client.post(
        "/verwaltung/datenschutz/person/loeschen",
        data={"email": "gerd@example.org", "confirm": "y"},
    )

    entries = db.session.execute(
        select(AuditEntry).order_by(AuditEntry.created_dt, AuditEntry.id)
    ).scalars()
    logged = [(e.action, e.actor_id) for e in entries]
    assert [action for action, _ in logged] == [
        "member.deactivate",
        "export",
        "privacy.export",
        "privacy.erase",
    ]
    assert {actor for _, actor in logged} == {coordinator.id}
    text = rows(coordinator_client)
    assert text.count("Karin Koordinatorin") >= 4
