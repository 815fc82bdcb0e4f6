"""axe-core on every main page, for visitors, members and the coordinator, on a phone and
on a desktop: no serious or critical violation. Runs on the demo network, so that lists,
tables and forms are filled the way an office would see them."""

from dataclasses import dataclass

import pytest
from flask import Flask, url_for
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from netzwerk.circles.models import Circle
from netzwerk.db import db, utcnow
from netzwerk.demo.context import COORDINATOR_EMAIL, DEMO_PASSWORD, MEMBER_EMAIL
from netzwerk.demo.network import build_network
from netzwerk.events.models import Event, EventState, Registration, Workshop
from netzwerk.mailing.models import ListVisibility, MailingList
from netzwerk.members.models import Member
from netzwerk.topics.models import TopicSuggestion
from tests.e2e.support import DESKTOP, PHONE, Site, axe_violations, log_in, resize, tab_to

# The coordinator's start page and the yearly report come with issue 9; checked when there.
OPTIONAL_ENDPOINTS = {"reports.dashboard", "reports.yearly_report"}


@dataclass
class Demo:
    event_id: int
    fachtag_id: int
    open_list_slug: str
    list_id: int
    circle_id: int
    member_id: int
    topic_id: int


def _demo(site: Site) -> Demo:
    build_network(1)
    db.session.commit()
    now = utcnow()
    upcoming = select(Event.id).where(Event.state == EventState.PUBLISHED, Event.start_dt > now)
    busiest = (
        upcoming.join(Registration, Registration.event_id == Event.id)
        .group_by(Event.id)
        .order_by(func.count(Registration.id).desc())
    )
    with_workshops = upcoming.where(Event.id.in_(select(Workshop.event_id)))
    first = lambda query: db.session.execute(query.limit(1)).scalar_one()  # noqa: E731
    demo = Demo(
        event_id=first(busiest),
        fachtag_id=first(with_workshops),
        open_list_slug=first(
            select(MailingList.slug).where(MailingList.visibility == ListVisibility.OPEN)
        ),
        list_id=first(select(MailingList.id).order_by(MailingList.id)),
        circle_id=first(select(Circle.id).order_by(Circle.id)),
        member_id=first(select(Member.id).where(Member.email == MEMBER_EMAIL)),
        topic_id=first(select(TopicSuggestion.id).order_by(TopicSuggestion.id)),
    )
    site.settle()
    return demo


def _paths(app: Flask, pages: list[tuple[str, str, dict]]) -> list[tuple[str, str]]:
    with app.test_request_context():
        return [
            (label, url_for(endpoint, **values))
            for label, endpoint, values in pages
            if endpoint in app.view_functions or endpoint not in OPTIONAL_ENDPOINTS
        ]


def _public_pages(demo: Demo) -> list[tuple[str, str, dict]]:
    return [
        ("Startseite", "core.index", {}),
        ("Veranstaltungen", "events.list_events", {}),
        ("Veranstaltung", "events.detail", {"event_id": demo.fachtag_id}),
        ("Mitmachen", "newcomers.apply", {}),
        ("Login", "accounts.login", {}),
        ("Verteiler eintragen", "mailing.subscribe", {"slug": demo.open_list_slug}),
        ("Kalender", "calendar.overview", {}),
        ("Barrierefreiheit", "core.accessibility", {}),
    ]


def _member_pages(demo: Demo) -> list[tuple[str, str, dict]]:
    return [
        ("Konto", "accounts.account", {}),
        ("Meine Anmeldungen", "events.my_registrations", {}),
        ("Verzeichnis", "members.directory", {}),
        ("Mein Profil", "members.profile", {}),
        ("Meine Verteiler", "mailing.subscriptions", {}),
        ("Themen", "topics.list_topics", {}),
        ("Thema", "topics.detail", {"topic_id": demo.topic_id}),
        ("Thema vorschlagen", "topics.suggest", {}),
        ("Qualitätszirkel", "circles.list_circles", {}),
        ("Zirkel", "circles.detail", {"circle_id": demo.circle_id}),
        ("Veranstaltung (angemeldet)", "events.detail", {"event_id": demo.fachtag_id}),
    ]


def _coordinator_pages(demo: Demo) -> list[tuple[str, str, dict]]:
    event = {"event_id": demo.event_id}
    return [
        ("Übersicht", "reports.dashboard", {}),
        ("Jahresbericht", "reports.yearly_report", {}),
        ("Mitglieder", "members_admin.list_members", {}),
        ("Mitglied", "members_admin.member_detail", {"member_id": demo.member_id}),
        ("Abdeckung", "schools_admin.coverage", {}),
        ("Schulen", "schools_admin.list_schools", {}),
        ("Bewerbungen", "newcomers_admin.queue", {}),
        ("Planung", "events_admin.list_events", {}),
        ("Veranstaltung (Verwaltung)", "events_admin.event_detail", event),
        ("Veranstaltung anlegen", "events_admin.new_event", {}),
        ("Teilnehmende", "events_admin.participants", event),
        ("Einlass", "events_desk.checkin", event),
        ("Verteiler", "mailing_admin.list_lists", {}),
        ("Verteiler (Details)", "mailing_admin.list_detail", {"list_id": demo.list_id}),
        ("Nachricht schreiben", "mailing_messages.new_message", {"list_id": demo.list_id}),
        ("Zirkel (Verwaltung)", "circles_admin.overview", {}),
        ("Themenvorschläge", "topics_admin.overview", {}),
        ("Themenvorschlag", "topics_admin.detail", {"topic_id": demo.topic_id}),
        ("Datenschutz", "privacy_admin.overview", {}),
    ]


def _check(page: Page, site: Site, pages: list[tuple[str, str]]) -> list[str]:
    """Every page at both widths; all findings together, so one run shows every problem."""
    found = []
    for label, path in pages:
        page.set_viewport_size(DESKTOP)
        response = page.goto(path)
        assert response is not None and response.ok, f"{label} ({path}): {response.status}"
        # A page that sent the browser to the login form would be checked in its place.
        assert page.url == site.url + path, f"{label}: {path} führte zu {page.url}"
        found += axe_violations(page, f"{label} {path} (Desktop)")
        resize(page, PHONE)
        found += axe_violations(page, f"{label} {path} (Handy)")
    return found


def _assert_none(found: list[str]) -> None:
    assert not found, f"axe-core meldet {len(found)} Verstöße:\n" + "\n".join(found)


@pytest.fixture()
def demo(site: Site) -> Demo:
    return _demo(site)


def test_public_pages_are_accessible(site: Site, page: Page, demo: Demo):
    found = _check(page, site, _paths(site.app, _public_pages(demo)))

    # A form that was sent with mistakes: the errors must be announced and reachable.
    page.set_viewport_size(DESKTOP)
    page.goto("/mitmachen")
    page.get_by_role("button", name="Kontaktdaten senden").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    first_name = page.get_by_label("Vorname")
    expect(first_name).to_have_attribute("aria-invalid", "true")
    expect(first_name).to_have_accessible_description("Bitte füllen Sie dieses Feld aus.")
    found += axe_violations(page, "Mitmachen mit Fehlern (Desktop)")
    resize(page, PHONE)
    found += axe_violations(page, "Mitmachen mit Fehlern (Handy)")
    _assert_none(found)


def test_member_pages_are_accessible(site: Site, page: Page, demo: Demo):
    log_in(page, MEMBER_EMAIL, DEMO_PASSWORD)
    _assert_none(_check(page, site, _paths(site.app, _member_pages(demo))))


def test_coordinator_pages_are_accessible(site: Site, page: Page, demo: Demo):
    log_in(page, COORDINATOR_EMAIL, DEMO_PASSWORD)
    _assert_none(_check(page, site, _paths(site.app, _coordinator_pages(demo))))


def test_a_violation_names_its_rule_and_element(page: Page):
    # The check above is only useful if a failure says what to fix, and where.
    page.set_content('<main><h1>Test</h1><input id="ohne-beschriftung"></main>')
    found = axe_violations(page, "Testseite")
    assert any("label (critical)" in line and "#ohne-beschriftung" in line for line in found), found


def test_a_wide_table_scrolls_by_keyboard_on_a_phone(site: Site, page: Page, demo: Demo):
    page.goto(f"/veranstaltungen/{demo.fachtag_id}")
    assert page.get_by_role("region").count() == 0, "auf dem Desktop passt jede Tabelle"
    resize(page, PHONE)
    region = page.get_by_role("region", name="Zeitfenster 1")
    expect(region).to_be_visible()
    tab_to(page, region)
    page.keyboard.press("ArrowRight")
    # Scrolling may be animated: wait for it rather than read it at once.
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle(), timeout=3000)
