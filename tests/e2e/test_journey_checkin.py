"""Journey 8: check-in at the door on a phone."""

import re

from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.support import PHONE, Site, admin_nav, log_in

PEOPLE = [("Anna", "Arndt"), ("Bernd", "Berg"), ("Carla", "Conrad")]


def _event_starting_soon(site: Site) -> str:
    event = factories.make_event(title="Netzwerktreffen Süd", days_ahead=0, hours=3)
    for first, last in PEOPLE:
        factories.make_registration(event, first_name=first, last_name=last)
    coordinator_email = factories.make_coordinator().email
    site.settle()
    return coordinator_email


def _present(name: str) -> re.Pattern:
    # The name is hidden text after the label, for screen readers; Chromium reads the
    # visually hidden span as a block of its own, with a space before it.
    return re.compile(rf"^Anwesend\s*: {name}$")


def _fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"Seite {width}px breit: seitliches Scrollen auf dem Handy"


def test_checkin_on_a_phone(site: Site, page: Page):
    coordinator_email = _event_starting_soon(site)
    page.set_viewport_size(PHONE)

    log_in(page, coordinator_email)
    admin_nav(page, "Planung").click()
    page.get_by_role("link", name="Netzwerktreffen Süd").click()
    page.get_by_role("link", name="Einlass", exact=True).click()
    expect(page.get_by_text("0 von 3")).to_be_visible()
    _fits_the_screen(page)

    page.get_by_role("searchbox", name="Name suchen").fill("Berg")
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator(".checkin-person")).to_have_count(1)
    page.get_by_role("button", name=_present("Bernd Berg")).click()
    expect(page.get_by_text("1 von 3")).to_be_visible()
    expect(page.locator("#inhalt")).to_contain_text("anwesend seit")

    page.get_by_role("link", name="Alle zeigen").click()
    page.get_by_label("Nur noch nicht Anwesende zeigen").check()
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator(".checkin-name")).to_have_text(["Arndt, Anna", "Conrad, Carla"])
    page.get_by_role("button", name=_present("Anna Arndt")).click()
    expect(page.get_by_text("2 von 3")).to_be_visible()
    _fits_the_screen(page)
