"""Choosing the period: bad input gets a German message (400), never an error page; only
coordinators see the dashboard and the report."""

from datetime import date

import pytest

from netzwerk.core.timeutil import berlin_today
from netzwerk.reports.report import Period
from tests.accounts.test_coordinator_access import coordinator_requests
from tests.helpers import text_of

REPORT_URLS = [
    "/verwaltung/jahresbericht",
    "/verwaltung/jahresbericht.csv",
    "/verwaltung/jahresbericht.pdf",
]


@pytest.mark.parametrize("url", REPORT_URLS)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("jahr=abc", "Bitte geben Sie das Jahr als Zahl mit vier Ziffern an, z. B. 2025."),
        ("jahr=20.25", "Bitte geben Sie das Jahr als Zahl mit vier Ziffern an, z. B. 2025."),
        ("jahr=-5", "Bitte geben Sie das Jahr als Zahl mit vier Ziffern an, z. B. 2025."),
        ("jahr=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%95", "als Zahl mit vier Ziffern"),  # "２０２５"
        ("jahr=99999999999999999999", "als Zahl mit vier Ziffern"),
        ("jahr=1999", "Bitte wählen Sie ein Jahr zwischen 2000 und"),
        ("jahr=9999", "Bitte wählen Sie ein Jahr zwischen 2000 und"),
        ("jahr=", "Bitte geben Sie ein Jahr an."),
        ("zeitraum=quartal&jahr=2025", "Bitte wählen Sie Kalenderjahr oder Schuljahr."),
        ("zeitraum=%C3%A4&jahr=2025", "Bitte wählen Sie Kalenderjahr oder Schuljahr."),
    ],
)
def test_bad_input_gets_a_german_message(coordinator_client, url, query, message):
    response = coordinator_client.get(f"{url}?{query}")

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    text = text_of(response.get_data(as_text=True))
    assert "Bitte prüfen Sie Ihre Eingaben" in text
    assert message in text


@pytest.mark.parametrize("url", REPORT_URLS)
def test_control_characters_are_refused_before_they_reach_the_form(coordinator_client, url):
    response = coordinator_client.get(f"{url}?zeitraum=%00&jahr=2025")
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.get_data(as_text=True)


def test_next_year_is_allowed_the_year_after_is_not(coordinator_client):
    year = berlin_today().year
    assert coordinator_client.get(f"/verwaltung/jahresbericht?jahr={year + 1}").status_code == 200
    assert coordinator_client.get(f"/verwaltung/jahresbericht?jahr={year + 2}").status_code == 400


def test_a_school_year_is_named_and_cut_as_offices_do():
    period = Period("schuljahr", 2025)
    assert period.label == "Schuljahr 2025/26"
    assert (period.first_day, period.last_day) == (date(2025, 8, 1), date(2026, 7, 31))
    assert period.slug == "schuljahr-2025-26"
    assert Period("schuljahr", 2099).label == "Schuljahr 2099/00"
    assert Period.current("schuljahr", date(2026, 7, 31)) == Period("schuljahr", 2025)
    assert Period.current("schuljahr", date(2026, 8, 1)) == Period("schuljahr", 2026)
    assert Period.current("jahr", date(2026, 8, 1)) == Period("jahr", 2026)
    # Midnight in Berlin, as UTC: summer time on 1 August, winter time on 1 January.
    assert period.start.isoformat() == "2025-07-31T22:00:00+00:00"
    assert Period("jahr", 2025).end.isoformat() == "2025-12-31T23:00:00+00:00"


def test_a_missing_year_means_the_current_one_of_that_kind(coordinator_client):
    today = berlin_today()
    html = coordinator_client.get("/verwaltung/jahresbericht?zeitraum=schuljahr").get_data(
        as_text=True
    )
    assert f"<h1>Jahresbericht {Period.current('schuljahr', today).label}</h1>" in html


def test_the_url_map_walk_covers_the_new_pages(app):
    found = coordinator_requests(app)
    for url in ["/verwaltung/", "/verwaltung/postausgang/fehler", *REPORT_URLS]:
        assert ("GET", url) in found, url


@pytest.mark.parametrize("url", ["/verwaltung/", "/verwaltung/postausgang/fehler", *REPORT_URLS])
def test_only_coordinators_get_in(client, auth, member, coordinator, url):
    assert "/login" in client.get(url).headers["Location"]
    auth.login(member.email)
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(coordinator.email)
    assert client.get(url).status_code == 200


def test_the_coordinator_navigation_leads_to_both_pages(coordinator_client):
    html = coordinator_client.get("/verwaltung/jahresbericht").get_data(as_text=True)
    nav = html.split('aria-label="Verwaltung"')[1].split("</nav>")[0]
    assert '<a href="/verwaltung/">Übersicht</a>' in nav
    assert '<a href="/verwaltung/jahresbericht" aria-current="page">Jahresbericht</a>' in nav
