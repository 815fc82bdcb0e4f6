"""Journey 4: the coordinator creates an event with workshops and publishes it; it then
shows on /veranstaltungen/ and in the public calendar feed."""

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.support import Site, admin_nav, log_in

TITLE = "Fachtag Inklusion"


def _add_workshop(page: Page, title: str, capacity: str) -> None:
    page.get_by_role("link", name="Forum hinzufügen").click()
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Plätze").fill(capacity)
    page.get_by_role("button", name="Forum anlegen").click()
    expect(page.get_by_role("main")).to_contain_text(title)


def test_coordinator_creates_and_publishes_an_event(site: Site, page: Page):
    coordinator_email = factories.make_coordinator().email
    site.settle()
    day = date.today() + timedelta(days=40)

    log_in(page, coordinator_email)
    admin_nav(page, "Planung").click()
    page.get_by_role("link", name="Veranstaltung anlegen").click()
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label("Art der Veranstaltung").select_option(label="Fachtag")
    page.get_by_label("Datum (Beginn)").fill(day.isoformat())
    page.get_by_label("Uhrzeit (Beginn)").fill("09:00")
    page.get_by_label("Uhrzeit (Ende)").fill("16:00")
    page.get_by_label("Veranstaltungsort").fill("Rathaus, Saal 2")
    page.get_by_label("Plätze", exact=True).fill("80")
    page.get_by_role("button", name="Als Entwurf anlegen").click()
    expect(page.get_by_role("status")).to_contain_text("ist als Entwurf angelegt")

    _add_workshop(page, "Forum 1: Inklusive Schulentwicklung", "25")
    _add_workshop(page, "Forum 2: Assistenz im Unterricht", "25")

    page.get_by_role("button", name="Veröffentlichen").click()
    expect(page.get_by_role("status")).to_contain_text(f"„{TITLE}“ ist veröffentlicht")

    page.goto("/veranstaltungen/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("rowheader", name="Forum 2: Assistenz im Unterricht")).to_be_visible()

    feed = page.request.get("/kalender.ics")
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    unfolded = feed.text().replace("\r\n ", "")
    assert f"SUMMARY:{TITLE}" in unfolded
    assert f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T090000" in unfolded
