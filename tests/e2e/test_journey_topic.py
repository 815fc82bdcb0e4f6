"""Journey 7: a member suggests a topic, others vote for it, the coordinator accepts it
and turns it into a workshop of the coming Fachtag."""

from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.support import Site, admin_nav, log_in, log_out

TOPIC = "Cybermobbing in der Grundschule"
FACHTAG = "Fachtag Medienbildung"


def test_suggested_topic_is_voted_accepted_and_becomes_a_workshop(site: Site, page: Page):
    event_id = factories.make_event(title=FACHTAG).id
    suggester, *voters = (
        factories.make_member(first_name=name, with_account=True).email
        for name in ("Sina", "Volker", "Vera")
    )
    coordinator = factories.make_coordinator().email
    site.settle()

    log_in(page, suggester)
    page.get_by_role("link", name="Themen").click()
    page.get_by_role("link", name="Thema vorschlagen").click()
    page.get_by_label("Thema").fill(TOPIC)
    page.get_by_label("Worum geht es?").fill("Was tun, wenn es im Klassenchat eskaliert?")
    page.get_by_role("button", name="Vorschlag einreichen").click()
    expect(page.get_by_role("status")).to_contain_text("Ihr Themenvorschlag ist eingereicht")
    topic_path = page.url.removeprefix(site.url)
    log_out(page)

    for voter in voters:
        log_in(page, voter)
        page.goto(topic_path)
        page.get_by_role("button", name="Für dieses Thema stimmen").click()
        expect(page.get_by_role("status")).to_have_text("Ihre Stimme ist gezählt.")
        log_out(page)

    log_in(page, coordinator)
    admin_nav(page, "Themenvorschläge").click()
    page.get_by_role("link", name=TOPIC).click()
    expect(page.get_by_role("definition").filter(has_text="Stimmen")).to_have_text("2 Stimmen")
    page.get_by_label("Neuer Status").select_option(label="Angenommen")
    page.get_by_role("button", name="Status speichern und mitteilen").click()
    expect(page.get_by_role("status")).to_contain_text("Der Vorschlag ist jetzt „Angenommen“")
    assert site.mail_to(suggester, TOPIC)

    page.get_by_label("Titel des Forums").fill(f"Forum: {TOPIC}")
    page.get_by_role("button", name="Workshop anlegen").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Das Forum „Forum: {TOPIC}“ ist bei „{FACHTAG}“ angelegt"
    )

    page.goto(f"/veranstaltungen/{event_id}")
    expect(page.get_by_role("rowheader", name=f"Forum: {TOPIC}")).to_be_visible()
