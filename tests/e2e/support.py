"""Helpers for browser tests: the site and its mail, logging in, keyboard use, axe."""

import re
from dataclasses import dataclass

from axe_playwright_python.base import AXE_SCRIPT
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from netzwerk.db import db
from netzwerk.mailing.delivery import deliver_all
from tests import factories
from tests.conftest import SMTPServer, mail_body

LINK = re.compile(r"https?://[^\s<>\"')]+")
# What blocks a person in practice; "moderate" and "minor" findings are reported by
# axe as advice and not asserted here.
BLOCKING_IMPACTS = {"serious", "critical"}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Only the violations: their nodes are what a failure prints.
AXE_OPTIONS = {"resultTypes": ["violations"]}


@dataclass
class Site:
    app: Flask
    smtp: SMTPServer

    @property
    def url(self) -> str:
        return self.app.config["BASE_URL"]

    def settle(self) -> None:
        """End the test's own transaction: on SQLite it would hold the write lock the
        server's requests wait for. Read what the test needs from its objects first."""
        db.session.commit()
        db.session.close()

    def deliver(self) -> None:
        """Run the outbox worker, as `flask mail send` would, against the real SMTP server."""
        db.session.remove()  # see what the server's requests committed
        deliver_all()
        db.session.remove()

    def mails_to(self, address: str, subject_contains: str = "") -> list:
        self.deliver()
        return [
            message
            for message in self.smtp.to(address)
            if subject_contains.lower() in str(message["Subject"]).lower()
        ]

    def mail_to(self, address: str, subject_contains: str = ""):
        """The one newest message to address whose subject contains the given words."""
        messages = self.mails_to(address, subject_contains)
        subjects = [str(m["Subject"]) for m in self.smtp.to(address)]
        assert messages, f"keine Mail „{subject_contains}“ an {address}; erhalten: {subjects}"
        return messages[-1]

    def link_in(self, message, path_part: str) -> str:
        """The link in a mail's text whose URL contains path_part, made relative to the site."""
        links = [link for link in LINK.findall(mail_body(message)) if path_part in link]
        assert links, f"kein Link mit {path_part!r} in:\n{mail_body(message)}"
        assert links[0].startswith(self.url), links[0]
        return links[0][len(self.url) :]


def log_in(page: Page, email: str, password: str = factories.PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def admin_nav(page: Page, label: str) -> Locator:
    """A link in the coordinator's navigation bar."""
    return page.get_by_role("navigation", name="Verwaltung").get_by_role(
        "link", name=label, exact=True
    )


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("link", name="Anmelden", exact=True)).to_be_visible()


def resize(page: Page, viewport: dict) -> None:
    """Change the window size and let the page react (resize observers run per frame)."""
    page.set_viewport_size(viewport)
    page.evaluate("() => new Promise(go => requestAnimationFrame(() => requestAnimationFrame(go)))")


# --- keyboard only -----------------------------------------------------------------


def tab_to(page: Page, target: Locator, *, limit: int = 80) -> None:
    """Press Tab until target has the focus, and check that the focus can be seen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            assert_focus_visible(page)
            return
    raise AssertionError(f"{target} ist mit der Tabulatortaste nicht erreichbar")


def assert_focus_visible(page: Page) -> None:
    outline = page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return [style.outlineStyle, style.outlineWidth, style.boxShadow];
        }"""
    )
    style, width, shadow = outline
    visible = (style != "none" and width not in ("0px", "")) or shadow not in ("none", "")
    assert visible, f"Fokus nicht sichtbar auf {page.evaluate('document.activeElement.outerHTML')}"


def log_in_by_keyboard(page: Page, email: str, password: str = factories.PASSWORD) -> None:
    page.goto("/")
    press_on(page, page.get_by_role("link", name="Anmelden", exact=True))
    type_into(page, page.get_by_label("E-Mail-Adresse"), email)
    type_into(page, page.get_by_label("Passwort", exact=True), password)
    press_on(page, page.get_by_role("button", name="Anmelden"))
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def log_out_by_keyboard(page: Page) -> None:
    press_on(page, page.get_by_role("button", name="Abmelden"))
    # Wait for the logged-out page: a goto while logout is still loading gets interrupted.
    expect(page.get_by_role("link", name="Anmelden", exact=True)).to_be_visible()


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def press_on(page: Page, target: Locator, key: str = "Enter") -> None:
    tab_to(page, target)
    page.keyboard.press(key)


# --- accessibility -----------------------------------------------------------------


def axe_violations(page: Page, label: str) -> list[str]:
    """Serious and critical axe findings on the current page, one readable line each."""
    # axe-core ships inside axe-playwright-python; loaded once per page, not per check.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        targets = [", ".join(node["target"]) for node in violation["nodes"]]
        found.append(
            f"{label}: {violation['id']} ({violation['impact']}): {violation['help']}"
            f" – {'; '.join(targets[:5])}"
        )
    return found


def assert_accessible(page: Page, label: str) -> None:
    found = axe_violations(page, label)
    assert not found, "axe-core meldet:\n" + "\n".join(found)
