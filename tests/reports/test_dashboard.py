"""The coordinator's start page: what needs attention today, each with the way to act on it."""

import re
from datetime import timedelta

import pytest

from netzwerk.circles.models import Minutes
from netzwerk.circles.queries import overview_rows, stale_after, stale_circles
from netzwerk.db import db, utcnow
from netzwerk.events.models import EventState
from netzwerk.events.operations import cancel_registration
from netzwerk.mailing.models import OutboxState
from netzwerk.newcomers.models import ApplicationState
from netzwerk.privacy.models import ErasureRequest, PurgeRun
from netzwerk.reports.routes import start_of_yesterday
from netzwerk.topics.models import TopicState
from tests import factories
from tests.helpers import text_of
from tests.reports.support import (
    berlin,
    days_ago,
    make_application,
    make_list_message,
    make_outbox,
    make_suppression,
    make_topic,
    page_tables,
)

DASHBOARD = "/verwaltung/"


def _tile(html: str, heading_id: str) -> str:
    """The text of one tile (a <section> named by its heading)."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return text_of(html[start : html.index("</section>", start)])


@pytest.fixture()
def busy_day(app):
    """Something waiting in every tile."""
    full = factories.make_event(title="Fortbildung Kinderschutz", days_ahead=3, capacity=2)
    members = [factories.make_member() for _ in range(4)]
    old = factories.make_registration(full, members[0])
    old.created_dt = days_ago(5)
    factories.make_registration(full, members[1])
    factories.make_registration(full, members[2])  # waiting: the event is full
    cancel_registration(old, by_office=True)  # frees a place: members[2] moves up
    factories.make_event(
        title="Entwurf Netzwerktreffen", days_ahead=5, capacity=None
    ).state = EventState.DRAFT
    factories.make_event(title="Abgesagter Termin", days_ahead=4).state = EventState.CANCELLED
    factories.make_event(title="Vorbei", days_ahead=-10)
    db.session.commit()

    make_application(ApplicationState.CONFIRMED, confirmed=berlin(2026, 1, 5, 10, 0))
    make_application(ApplicationState.CONFIRMED)
    make_application(ApplicationState.PENDING)
    make_application(ApplicationState.ACCEPTED)

    first = make_topic(TopicState.SUBMITTED)
    make_topic(TopicState.SUBMITTED)
    make_topic(TopicState.SUBMITTED, merged_into_id=first.id)
    make_topic(TopicState.IN_REVIEW)
    make_topic(TopicState.DONE)

    newsletter = factories.make_mailing_list(name="Newsletter")
    rundbrief = make_list_message(newsletter, sent=days_ago(1), subject="Rundbrief März")
    make_outbox(
        OutboxState.FAILED,
        list_message=rundbrief,
        subject="Rundbrief März",
        last_error="550 No such user",
    )
    make_outbox(OutboxState.FAILED, subject="Ihre Einladung", last_error="Timeout")
    make_outbox(OutboxState.SENT)
    make_outbox(OutboxState.QUEUED, due=utcnow() - timedelta(hours=3))
    make_outbox(OutboxState.QUEUED)  # due now: not stuck
    make_suppression("weg@example.org", bounces=3, suspended=True)
    make_suppression("wackelt@example.org", bounces=1, suspended=False)
    make_suppression("auch@example.org", bounces=2, suspended=False)

    asleep = factories.make_circle(name="QZ Eingeschlafen")
    awake = factories.make_circle(name="QZ Wach")
    asleep.created_dt = awake.created_dt = days_ago(400)
    db.session.add(Minutes(circle_id=awake.id, occurrence_dt=days_ago(10), text="Protokoll"))
    db.session.add(ErasureRequest(email="loeschen@example.org", name="Lena"))
    db.session.add(PurgeRun(ran_dt=utcnow() - timedelta(hours=30), summary={}))
    db.session.commit()
    return full


def test_next_events_show_how_full_they_are(coordinator_client, busy_day):
    html = coordinator_client.get(DASHBOARD).get_data(as_text=True)

    table = page_tables(html)["Die nächsten 2 Veranstaltungen mit ihrer Belegung"]
    assert table[1][0].startswith("Fortbildung Kinderschutz")
    assert table[1][2].startswith("2 von 2 Plätzen bestätigt")
    assert "ausgebucht" in table[1][2]
    assert table[1][3] == "0"
    assert table[2][0].startswith("Entwurf Netzwerktreffen Entwurf")
    assert table[2][2] == "0 bestätigt (ohne Platzgrenze)"
    assert "Abgesagter Termin" not in html and "Vorbei" not in html
    # The fill bar is an SVG the text beside it says in words: hidden from screen readers.
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="fill-bar" aria-hidden="true"' in html
    assert f'href="/verwaltung/veranstaltungen/{busy_day.id}/anmeldungen"' in html


def test_the_waiting_list_and_offered_places_are_counted(coordinator_client, app):
    event = factories.make_event(title="Klein", days_ahead=3, capacity=1)
    for _ in range(3):
        factories.make_registration(event)

    table = page_tables(coordinator_client.get(DASHBOARD).get_data(as_text=True))[
        "Die nächsten 1 Veranstaltungen mit ihrer Belegung"
    ]
    assert table[1][2].startswith("1 von 1 Plätzen bestätigt")
    assert table[1][3] == "2"


def test_only_the_next_five_events_are_listed(coordinator_client, app):
    for day in range(7):
        factories.make_event(title=f"Termin {day}", days_ahead=day + 1)
    html = coordinator_client.get(DASHBOARD).get_data(as_text=True)
    assert "Termin 4" in html and "Termin 5" not in html


def test_registrations_since_yesterday(coordinator_client, busy_day):
    html = coordinator_client.get(DASHBOARD).get_data(as_text=True)

    tile = _tile(html, "kachel-anmeldungen")
    # Two new ones (one came off the waiting list); the older one was cancelled today.
    assert "2 neue Anmeldungen, 1 Abmeldung" in tile
    assert "Fortbildung Kinderschutz : 2 neu, 1 abgemeldet" in tile


def test_since_yesterday_means_from_midnight_in_berlin():
    # 10:00 on 15 March in Berlin (CET): yesterday began at 23:00 UTC on the 13th.
    assert start_of_yesterday(berlin(2026, 3, 15, 10, 0)) == berlin(2026, 3, 14, 0, 0)
    assert start_of_yesterday(berlin(2026, 3, 15, 0, 30)).isoformat() == (
        "2026-03-13T23:00:00+00:00"
    )


def test_applications_and_topics_waiting(coordinator_client, busy_day):
    html = coordinator_client.get(DASHBOARD).get_data(as_text=True)

    applications = _tile(html, "kachel-bewerbungen")
    assert "Zu tun" in applications
    assert "2 warten auf Ihre Entscheidung" in applications
    assert "die älteste seit 05.01.2026" in applications
    topics = _tile(html, "kachel-themen")
    assert "2 neue Vorschläge warten auf Sichtung" in topics
    assert "1 in Prüfung" in topics
    assert 'href="/verwaltung/bewerbungen/"' in html
    assert 'href="/verwaltung/themen/?status=eingereicht"' in html


def test_failed_and_bouncing_mail(coordinator_client, busy_day):
    html = coordinator_client.get(DASHBOARD).get_data(as_text=True)

    tile = _tile(html, "kachel-mail")
    assert "2 E-Mails konnten nicht zugestellt werden" in tile
    assert "Rundbrief März (Newsletter): 1 fehlgeschlagen" in tile
    assert "Alle nicht zugestellten E-Mails (1 außerhalb der Verteiler)" in tile
    assert "1 E-Mail wartet seit über einer Stunde auf den Versand" in tile
    assert "1 Adresse gesperrt, 2 mit Rückläufern unter Beobachtung" in tile
    assert 'href="/verwaltung/verteiler/unzustellbar"' in html
    assert re.search(r'href="/verwaltung/verteiler/nachrichten/\d+/ergebnis"', html)

    failed = coordinator_client.get("/verwaltung/postausgang/fehler")
    assert failed.status_code == 200
    listed = page_tables(failed.get_data(as_text=True))
    (rows,) = listed.values()
    assert sorted(row[1] for row in rows[1:]) == ["Ihre Einladung", "Rundbrief März"]
    assert "550 No such user" in failed.get_data(as_text=True)


def test_circles_without_minutes_agree_with_the_circles_overview(coordinator_client, busy_day):
    html = coordinator_client.get(DASHBOARD).get_data(as_text=True)

    tile = _tile(html, "kachel-zirkel")
    assert "1 Zirkel hat seit über 90 Tagen kein Protokoll" in tile
    assert "QZ Eingeschlafen" in tile and "QZ Wach" not in tile
    assert 'href="/verwaltung/qualitaetszirkel/"' in html
    now = utcnow()
    flagged = {row.circle.id for row in overview_rows(now, stale_after()) if row.is_stale}
    assert {circle_id for circle_id, _ in stale_circles(now, stale_after())} == flagged


@pytest.mark.parametrize("days", [30, 91, 400])
def test_the_stale_rule_in_sql_matches_the_overview_at_every_age(app, days):
    circle = factories.make_circle(name="QZ Alt", rule="")
    circle.created_dt = days_ago(500)
    db.session.add(Minutes(circle_id=circle.id, occurrence_dt=days_ago(days), text="P"))
    fresh = factories.make_circle(name="QZ Frisch", rule="")
    fresh.created_dt = days_ago(days)
    db.session.commit()
    now = utcnow()
    flagged = {row.circle.id for row in overview_rows(now, stale_after()) if row.is_stale}
    assert {circle_id for circle_id, _ in stale_circles(now, stale_after())} == flagged
    assert (circle.id in flagged) == (days > 90)


def test_privacy_purge_last_run_and_open_requests(coordinator_client, busy_day):
    html = coordinator_client.get(DASHBOARD).get_data(as_text=True)

    tile = _tile(html, "kachel-datenschutz")
    assert "Letzte Bereinigung:" in tile
    assert "nicht gelaufen" not in tile
    assert "1 offener Löschantrag" in tile
    assert 'href="/verwaltung/datenschutz/"' in html


def test_a_purge_that_never_ran_or_stopped_running_is_pointed_out(coordinator_client, app):
    tile = _tile(coordinator_client.get(DASHBOARD).get_data(as_text=True), "kachel-datenschutz")
    assert "ist noch nie gelaufen" in tile

    db.session.add(PurgeRun(ran_dt=days_ago(3), summary={}))
    db.session.commit()
    tile = _tile(coordinator_client.get(DASHBOARD).get_data(as_text=True), "kachel-datenschutz")
    assert "seit über zwei Tagen nicht gelaufen" in tile


def test_the_purge_command_records_its_run_for_the_dashboard(coordinator_client, runner):
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    tile = _tile(coordinator_client.get(DASHBOARD).get_data(as_text=True), "kachel-datenschutz")
    assert "Letzte Bereinigung:" in tile and "Nichts offen" in tile


def test_a_quiet_day_says_nothing_is_open(coordinator_client, app):
    db.session.add(PurgeRun(ran_dt=utcnow(), summary={}))
    db.session.commit()
    html = coordinator_client.get(DASHBOARD).get_data(as_text=True)
    assert "Zu tun" not in html
    assert "Es sind keine Veranstaltungen geplant." in html
    assert "0 warten auf Ihre Entscheidung" in _tile(html, "kachel-bewerbungen")


def test_coordinators_land_on_the_dashboard_members_on_the_start_page(
    client, auth, coordinator, member
):
    response = auth.login(coordinator.email)
    assert response.headers["Location"].endswith("/verwaltung/")
    assert 'href="/verwaltung/" aria-current="page">Übersicht</a>' in client.get(
        DASHBOARD
    ).get_data(as_text=True)
    auth.logout()
    response = auth.login(member.email)
    assert response.headers["Location"] == "/"
