"""Journey 2: a member registers for the Fachtag with two workshops, changes one by the
personal link, cancels; the first on the waiting list moves up and is told by mail."""

from dataclasses import dataclass

from playwright.sync_api import Page, expect

from netzwerk.db import db
from netzwerk.events.models import Event
from tests import factories
from tests.e2e.support import Site, log_in, log_in_by_keyboard, press_on

WORKSHOPS = [
    ("Forum A: Kinderschutz", 1, 20),
    ("Forum B: Elternarbeit", 1, 20),
    ("Forum C: Digitale Medien", 2, 20),
    ("Forum D: Schulabsentismus", 2, 20),
]


@dataclass
class Fachtag:
    event_id: int
    title: str
    member_email: str
    waiting_email: str


def _fachtag(site: Site) -> Fachtag:
    # One place: whoever comes second waits for the member's cancellation.
    event = factories.make_event(title="Fachtag Schulsozialarbeit", capacity=1, workshops=WORKSHOPS)
    member = factories.make_member(first_name="Mara", with_account=True)
    fachtag = Fachtag(event.id, event.title, member.email, "warteliste@example.org")
    site.settle()
    return fachtag


def _someone_waits(site: Site, fachtag: Fachtag) -> None:
    event = db.session.get(Event, fachtag.event_id)
    waiting = factories.make_registration(
        event, email=fachtag.waiting_email, first_name="Wanda", picks={1: [_id(event, 0)]}
    )
    assert waiting.state.value == "waiting"
    site.settle()


def _id(event, index: int) -> int:
    return next(w.id for w in event.workshops if w.title == WORKSHOPS[index][0])


def _assert_confirmation_with_ics(site: Site, fachtag: Fachtag):
    mail = site.mail_to(fachtag.member_email, "Anmeldebestätigung")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Forum A: Kinderschutz" in text and "Forum C: Digitale Medien" in text
    ics = [part for part in mail.iter_attachments() if part.get_filename() == "veranstaltung.ics"]
    assert ics, "die Bestätigung hat keinen Termin im Anhang"
    calendar = ics[0].get_content()
    calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
    assert "BEGIN:VEVENT" in calendar and "Fachtag Schulsozialarbeit" in calendar
    return mail


def _assert_waiting_person_moved_up(site: Site, page: Page, fachtag: Fachtag) -> None:
    promoted = site.mail_to(fachtag.waiting_email, "Ein Platz ist frei geworden")
    page.goto(site.link_in(promoted, "/anmeldung/"))
    expect(page.get_by_role("main")).to_contain_text("Wanda")
    expect(page.locator(".badge").first).to_have_text("Angemeldet")


def test_member_registers_changes_workshop_and_cancels(site: Site, page: Page):
    fachtag = _fachtag(site)
    log_in(page, fachtag.member_email)
    page.get_by_role("link", name="Veranstaltungen").first.click()
    page.get_by_role("link", name=fachtag.title).click()
    page.get_by_role("radio", name="Forum A: Kinderschutz").check()
    page.get_by_role("radio", name="Forum C: Digitale Medien").check()
    page.get_by_role("button", name="Verbindlich anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sie sind angemeldet")
    _someone_waits(site, fachtag)

    confirmation = _assert_confirmation_with_ics(site, fachtag)
    page.goto(site.link_in(confirmation, "/anmeldung/"))
    page.get_by_role("radio", name="Forum B: Elternarbeit").check()
    page.get_by_role("button", name="Workshop-Auswahl speichern").click()
    expect(page.get_by_role("status")).to_have_text("Ihre Workshop-Auswahl ist gespeichert.")
    expect(page.get_by_role("main")).to_contain_text("Forum B: Elternarbeit")
    changed = site.mail_to(fachtag.member_email, "geändert")
    assert "Forum B: Elternarbeit" in changed.get_body(preferencelist=("plain",)).get_content()

    page.get_by_role("link", name="Von der Veranstaltung abmelden").click()
    page.get_by_role("button", name="Ja, verbindlich abmelden").click()
    expect(page.locator(".badge").first).to_have_text("Abgemeldet")
    assert site.mail_to(fachtag.member_email, "Abmeldung bestätigt")

    _assert_waiting_person_moved_up(site, page, fachtag)


def test_registration_journey_by_keyboard_alone(site: Site, page: Page):
    fachtag = _fachtag(site)
    log_in_by_keyboard(page, fachtag.member_email, factories.PASSWORD)
    press_on(page, page.get_by_role("link", name="Veranstaltungen").first)
    press_on(page, page.get_by_role("link", name=fachtag.title))
    # Tab enters a radio group on its first option; Space selects it.
    press_on(page, page.get_by_role("radio", name="Forum A: Kinderschutz"), "Space")
    press_on(page, page.get_by_role("radio", name="Forum C: Digitale Medien"), "Space")
    expect(page.get_by_role("radio", name="Forum A: Kinderschutz")).to_be_checked()
    expect(page.get_by_role("radio", name="Forum C: Digitale Medien")).to_be_checked()
    press_on(page, page.get_by_role("button", name="Verbindlich anmelden"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sie sind angemeldet")
    _someone_waits(site, fachtag)

    confirmation = _assert_confirmation_with_ics(site, fachtag)
    page.goto(site.link_in(confirmation, "/anmeldung/"))
    # Within a group the arrow keys move the choice to the next option.
    press_on(page, page.get_by_role("radio", name="Forum A: Kinderschutz"), "ArrowDown")
    expect(page.get_by_role("radio", name="Forum B: Elternarbeit")).to_be_checked()
    press_on(page, page.get_by_role("button", name="Workshop-Auswahl speichern"))
    expect(page.get_by_role("status")).to_have_text("Ihre Workshop-Auswahl ist gespeichert.")
    expect(page.get_by_role("main")).to_contain_text("Forum B: Elternarbeit")

    press_on(page, page.get_by_role("link", name="Von der Veranstaltung abmelden"))
    press_on(page, page.get_by_role("button", name="Ja, verbindlich abmelden"))
    expect(page.locator(".badge").first).to_have_text("Abgemeldet")

    _assert_waiting_person_moved_up(site, page, fachtag)
