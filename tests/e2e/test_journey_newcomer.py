"""Journey 1: a newcomer applies, confirms by mail, is accepted and sets a password."""

from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.support import (
    Site,
    admin_nav,
    log_in,
    log_in_by_keyboard,
    log_out,
    log_out_by_keyboard,
    press_on,
    type_into,
)

NEWCOMER = "neu.hier@example.org"
NEW_PASSWORD = "mein neues sicheres Passwort"


def _network(site: Site) -> str:
    factories.get_group("schuso")
    coordinator_email = factories.make_coordinator().email
    site.settle()
    return coordinator_email


def test_newcomer_applies_is_accepted_and_logs_in(site: Site, page: Page):
    coordinator_email = _network(site)

    page.goto("/")
    page.get_by_role("link", name="Mitmachen").click()
    page.get_by_label("Vorname").fill("Nora")
    page.get_by_label("Nachname").fill("Neumann")
    page.get_by_label("E-Mail-Adresse").fill(NEWCOMER)
    page.get_by_label("Berufsgruppe").select_option(label="SchuSo – Schulsozialarbeit")
    page.get_by_label("Schule").fill("Grundschule am Park")
    page.get_by_label("Ich willige ein").check()
    page.get_by_role("button", name="Kontaktdaten senden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    )

    mail = site.mail_to(NEWCOMER, "bestätigen")
    page.goto(site.link_in(mail, "/mitmachen/bestaetigen/"))
    page.get_by_role("button", name="E-Mail-Adresse bestätigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vielen Dank, Ihre Adresse ist bestätigt"
    )

    log_in(page, coordinator_email)
    admin_nav(page, "Bewerbungen").click()
    application = page.get_by_role("article", name="Nora Neumann")
    expect(application).to_contain_text(NEWCOMER)
    application.get_by_role("button", name="Aufnehmen und einladen").click()
    expect(page.get_by_role("status")).to_contain_text("Nora Neumann ist jetzt Mitglied")
    log_out(page)

    invitation = site.mail_to(NEWCOMER, "Einladung")
    page.goto(site.link_in(invitation, "/passwort-setzen/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen im Netzwerk")
    page.get_by_label("Neues Passwort").fill(NEW_PASSWORD)
    page.get_by_label("Passwort wiederholen").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Passwort speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Sie sind angemeldet")
    log_out(page)

    log_in(page, NEWCOMER, NEW_PASSWORD)
    page.get_by_role("link", name="Mein Profil").click()
    expect(page.get_by_role("main")).to_contain_text("Nora Neumann")


def test_newcomer_journey_by_keyboard_alone(site: Site, page: Page):
    coordinator_email = _network(site)

    page.goto("/mitmachen")
    type_into(page, page.get_by_label("Vorname"), "Nora")
    type_into(page, page.get_by_label("Nachname"), "Neumann")
    type_into(page, page.get_by_label("E-Mail-Adresse"), NEWCOMER)
    group = page.get_by_label("Berufsgruppe")
    press_on(page, group, "ArrowDown")  # the first group after "Bitte auswählen"
    expect(group).to_have_value(str(_group_id(site)))
    press_on(page, page.get_by_label("Ich willige ein"), "Space")
    expect(page.get_by_label("Ich willige ein")).to_be_checked()
    press_on(page, page.get_by_role("button", name="Kontaktdaten senden"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    )

    page.goto(site.link_in(site.mail_to(NEWCOMER, "bestätigen"), "/mitmachen/bestaetigen/"))
    press_on(page, page.get_by_role("button", name="E-Mail-Adresse bestätigen"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vielen Dank, Ihre Adresse ist bestätigt"
    )

    log_in_by_keyboard(page, coordinator_email, factories.PASSWORD)
    press_on(page, admin_nav(page, "Bewerbungen"))
    application = page.get_by_role("article", name="Nora Neumann")
    press_on(page, application.get_by_role("button", name="Aufnehmen und einladen"))
    expect(page.get_by_role("status")).to_contain_text("Nora Neumann ist jetzt Mitglied")
    log_out_by_keyboard(page)

    page.goto(site.link_in(site.mail_to(NEWCOMER, "Einladung"), "/passwort-setzen/"))
    type_into(page, page.get_by_label("Neues Passwort"), NEW_PASSWORD)
    type_into(page, page.get_by_label("Passwort wiederholen"), NEW_PASSWORD)
    press_on(page, page.get_by_role("button", name="Passwort speichern"))
    expect(page.get_by_role("status")).to_contain_text("Sie sind angemeldet")
    log_out_by_keyboard(page)

    log_in_by_keyboard(page, NEWCOMER, NEW_PASSWORD)
    expect(page.get_by_role("link", name="Mein Profil")).to_be_visible()


def _group_id(site: Site) -> int:
    group_id = factories.get_group("schuso").id
    site.settle()
    return group_id

