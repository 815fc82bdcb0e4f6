"""Impressum, Datenschutzerklärung, Barrierefreiheit: editable, linked from pages and mails."""

import pytest
from sqlalchemy import event

from netzwerk.db import db
from netzwerk.mailing.outbox import queue_mail
from netzwerk.privacy.models import LegalPage
from tests import factories
from tests.conftest import mail_body
from tests.helpers import get_urls, text_of
from tests.mailing.support import write_message
from tests.privacy.conftest import count

PAGES = [
    ("impressum", "/impressum", "Impressum"),
    ("datenschutz", "/datenschutz", "Datenschutzerklärung"),
    ("barrierefreiheit", "/barrierefreiheit", "Erklärung zur Barrierefreiheit"),
]


@pytest.mark.parametrize(("slug", "path", "title"), PAGES)
def test_each_page_has_a_default_text(client, slug, path, title):
    html = client.get(path).get_data(as_text=True)

    assert f"<h1>{title}</h1>" in html
    assert "koordination@example.org" in html


def test_the_privacy_policy_names_the_configured_periods(app, client):
    app.config["PRIVACY_EVENT_RETENTION_MONTHS"] = 18

    text = text_of(client.get("/datenschutz").get_data(as_text=True))

    assert "18 Monate nach ihrem Ende" in text
    assert "Meine Daten" in text


@pytest.mark.parametrize(("slug", "path", "title"), PAGES)
def test_the_coordinator_edits_a_page_in_markdown(coordinator_client, slug, path, title):
    form = coordinator_client.get(f"/verwaltung/datenschutz/rechtstexte/{slug}")
    assert form.status_code == 200
    assert "koordination@example.org" in form.get_data(as_text=True)  # default prefilled

    response = coordinator_client.post(
        f"/verwaltung/datenschutz/rechtstexte/{slug}",
        data={"body": "Stadt Musterstadt\n\n# Kontakt\n\n**Telefon** 0209 123"},
    )

    assert response.status_code == 302
    html = coordinator_client.get(path).get_data(as_text=True)
    assert "<strong>Telefon</strong> 0209 123" in html
    assert "<h3>Kontakt</h3>" in html
    assert "Stand:" in html


def test_scripts_in_a_legal_text_never_reach_the_page(coordinator_client, client):
    coordinator_client.post(
        "/verwaltung/datenschutz/rechtstexte/impressum",
        data={"body": "<script>alert(1)</script>\n\n[Link](javascript:alert(2))"},
    )

    html = client.get("/impressum").get_data(as_text=True)

    assert "<script>alert" not in html
    assert 'href="javascript' not in html


def test_an_empty_text_is_refused_and_nothing_saved(coordinator_client):
    response = coordinator_client.post(
        "/verwaltung/datenschutz/rechtstexte/impressum", data={"body": "   "}
    )

    assert "Bitte füllen Sie dieses Feld aus." in response.get_data(as_text=True)
    assert count(LegalPage) == 0


def test_the_default_text_can_be_restored(coordinator_client, client):
    coordinator_client.post(
        "/verwaltung/datenschutz/rechtstexte/impressum", data={"body": "Eigener Text"}
    )

    coordinator_client.post("/verwaltung/datenschutz/rechtstexte/impressum/standard")

    assert "Musterstraße 1" in client.get("/impressum").get_data(as_text=True)
    assert count(LegalPage) == 0


def test_an_unknown_page_is_not_found(coordinator_client):
    assert coordinator_client.get("/verwaltung/datenschutz/rechtstexte/agb").status_code == 404


def test_a_legal_page_costs_one_query(client, app):
    db.session.add(LegalPage(slug="impressum", title="Impressum", body="Text"))
    db.session.commit()
    selects = []

    def remember(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        client.get("/impressum")
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert len(selects) == 1


LEGAL_LINKS = ('href="/impressum"', 'href="/datenschutz"', 'href="/barrierefreiheit"')


@pytest.mark.parametrize("who", ["visitor", "coordinator"])
def test_every_page_footer_links_the_legal_pages(app, client, auth, coordinator, who):
    factories.make_event()
    if who == "coordinator":
        auth.login(coordinator.email)
    pages = 0

    for url in get_urls(app):
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            assert all(link in html for link in LEGAL_LINKS), url
            pages += 1

    assert pages >= 10


def test_every_mail_links_imprint_and_privacy_policy(app, deliver, smtp):
    queue_mail(to_email="x@example.org", subject="Test", template="password_reset", link="x")
    db.session.commit()

    deliver()

    body = mail_body(smtp.to("x@example.org")[0])
    assert "Impressum: http://netzwerk.test/impressum" in body
    assert "Datenschutz: http://netzwerk.test/datenschutz" in body
    assert "Barrierefreiheit: http://netzwerk.test/barrierefreiheit" in body


def test_every_list_message_links_the_legal_pages(coordinator_client, deliver):
    mailing_list = factories.make_mailing_list()
    factories.make_subscription(mailing_list, "erika.extern@example.org")
    message = write_message(mailing_list, subject="Neues aus dem Netzwerk")
    coordinator_client.post(f"/verwaltung/verteiler/nachrichten/{message.id}/senden")

    (mail,) = deliver()

    text = mail_body(mail)
    html = mail.get_body(preferencelist=("html",)).get_content()
    for name, path in (
        ("Impressum", "impressum"),
        ("Datenschutz", "datenschutz"),
        ("Barrierefreiheit", "barrierefreiheit"),
    ):
        assert f"{name}: http://netzwerk.test/{path}" in text
        assert f'<a href="http://netzwerk.test/{path}">{name}</a>' in html


def test_the_mail_footer_works_outside_requests_too(app):
    # CLI jobs (reminders, purge) queue mail without a request.
    message = queue_mail(to_email="x@example.org", subject="T", template="password_reset")

    assert message.body_text.endswith("Barrierefreiheit: http://netzwerk.test/barrierefreiheit")
