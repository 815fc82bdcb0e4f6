"""Journey 3: a guest registers for a public event and confirms the e-mail address."""

from playwright.sync_api import Page, expect

from netzwerk.events.models import EventKind
from tests import factories
from tests.e2e.support import Site

GUEST = "gast@example.org"


def test_guest_registers_and_confirms_the_address(site: Site, page: Page):
    title = factories.make_event(
        title="Netzwerktreffen Nord", kind=EventKind.NETZWERKTREFFEN, allows_guests=True
    ).title
    site.settle()

    page.goto("/veranstaltungen/")
    page.get_by_role("link", name=title).click()
    page.get_by_label("Vorname").fill("Greta")
    page.get_by_label("Nachname").fill("Gast")
    page.get_by_label("E-Mail-Adresse").fill(GUEST)
    page.get_by_label("Träger", exact=True).fill("Caritas Musterstadt")
    page.get_by_label("Ich willige ein").check()
    page.get_by_role("button", name="Verbindlich anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    )
    assert not site.mails_to(GUEST, "Anmeldebestätigung"), "Platz vor der Bestätigung gebucht"

    mail = site.mail_to(GUEST, "Bitte bestätigen Sie Ihre Anmeldung")
    page.goto(site.link_in(mail, "/bestaetigen"))
    page.get_by_role("button", name="Anmeldung bestätigen").click()
    expect(page.get_by_role("main")).to_contain_text("Greta Gast")
    expect(page.locator(".badge").first).to_have_text("Angemeldet")
    assert site.mail_to(GUEST, "Anmeldebestätigung")
