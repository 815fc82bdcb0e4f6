"""Journey 5: the coordinator writes to a list, previews and sends; the worker delivers;
a recipient leaves the list with one click."""

from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import mail_body
from tests.e2e.support import Site, admin_nav, log_in

LIST_NAME = "Verteiler Schulsozialarbeit"
SUBJECT = "Einladung zum Netzwerktreffen im Mai"
RECIPIENTS = ["anna.arndt@example.org", "bernd.berg@example.org"]


def _list_with_two_subscribers(site: Site) -> str:
    mailing_list = factories.make_mailing_list(name=LIST_NAME)
    for email in RECIPIENTS:
        factories.make_subscription(mailing_list, email)
    coordinator_email = factories.make_coordinator().email
    site.settle()
    return coordinator_email


def test_coordinator_sends_to_a_list_and_a_recipient_unsubscribes(site: Site, page: Page):
    coordinator_email = _list_with_two_subscribers(site)

    log_in(page, coordinator_email)
    admin_nav(page, "Verteiler").click()
    page.get_by_role("link", name=LIST_NAME).click()
    page.get_by_role("link", name="Nachrichten an den Verteiler").click()
    page.get_by_role("link", name="Neue Nachricht schreiben").click()
    page.get_by_label("Betreff").fill(SUBJECT)
    page.get_by_label("Text", exact=True).fill("Wir treffen uns am 12. Mai im Rathaus.")
    page.get_by_role("button", name="Entwurf speichern und Vorschau ansehen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Vorschau: {SUBJECT}")
    expect(page.locator("pre.mail-preview")).to_contain_text("am 12. Mai im Rathaus")
    page.get_by_role("link", name="Jetzt senden …").click()
    page.get_by_role("button", name="An 2 Personen senden").click()
    expect(page.get_by_role("status")).to_contain_text(f"„{SUBJECT}“ geht an 2")

    mails = {email: site.mail_to(email, SUBJECT) for email in RECIPIENTS}
    anna = mails[RECIPIENTS[0]]
    assert "am 12. Mai im Rathaus" in mail_body(anna)
    assert anna["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = site.link_in(anna, "/verteiler/abmelden/")
    assert site.url + unsubscribe in anna["List-Unsubscribe"]

    page.goto(unsubscribe)
    page.get_by_role("button", name="Jetzt abmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sie sind abgemeldet")
    expect(page.get_by_role("main")).to_contain_text(RECIPIENTS[0])

    admin_nav(page, "Verteiler").click()
    page.get_by_role("link", name=LIST_NAME).click()
    expect(page.locator(".figure").first).to_have_text("1")
