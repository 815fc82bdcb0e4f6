"""Journey 6: a member joins a quality circle, sees its next meeting and reads its minutes;
a member who has not joined cannot read them."""

from dataclasses import dataclass

from playwright.sync_api import Page, expect

from netzwerk.circles import operations, queries
from netzwerk.core.templating import date_de
from netzwerk.db import db, utcnow
from tests import factories
from tests.e2e.support import Site, log_in, log_out

CIRCLE = "QZ Grundschulen Nord"
MINUTES_TEXT = "Wir haben den Leitfaden Kinderschutz für die Grundschulen abgestimmt."


@dataclass
class Circle:
    joiner_email: str
    outsider_email: str
    next_meeting_day: str
    minutes_path: str


def _circle_with_minutes(site: Site) -> Circle:
    circle = factories.make_circle(name=CIRCLE)
    now = utcnow()
    minutes = operations.save_minutes(
        circle, occurrence_dt=queries.past_meetings(circle, now)[0].key, text=MINUTES_TEXT
    )
    db.session.commit()
    upcoming = queries.upcoming_meetings(circle, now)[0]
    data = Circle(
        joiner_email=factories.make_member(first_name="Jana", with_account=True).email,
        outsider_email=factories.make_member(first_name="Olaf", with_account=True).email,
        next_meeting_day=date_de(upcoming.start_dt, "weekday"),
        minutes_path=f"/qualitaetszirkel/{circle.id}/protokolle/{minutes.id}",
    )
    site.settle()
    return data


def test_member_joins_a_circle_and_reads_its_minutes(site: Site, page: Page):
    circle = _circle_with_minutes(site)

    log_in(page, circle.outsider_email)
    page.goto(circle.minutes_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kein Zugriff")
    expect(page.get_by_role("main")).not_to_contain_text(MINUTES_TEXT)
    log_out(page)

    log_in(page, circle.joiner_email)
    page.get_by_role("link", name="Qualitätszirkel").click()
    page.get_by_role("link", name=CIRCLE).click()
    expect(page.get_by_role("main")).to_contain_text("sehen nur Mitglieder des Zirkels")
    page.get_by_role("button", name="Beitreten").click()
    expect(page.get_by_role("status")).to_have_text(f"Willkommen im Qualitätszirkel „{CIRCLE}“!")

    meetings = page.get_by_role("table", name=f"Die nächsten Treffen von „{CIRCLE}“")
    expect(meetings.get_by_role("row").nth(1)).to_contain_text(circle.next_meeting_day)
    page.get_by_role("link", name="Treffen vom").first.click()
    expect(page.get_by_role("main")).to_contain_text(MINUTES_TEXT)
