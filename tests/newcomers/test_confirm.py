"""Double opt-in: the link in the mail opens a page with a button; only the button confirms."""

import re
import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from netzwerk.core.tokens import make_token
from netzwerk.db import db
from netzwerk.newcomers.models import ApplicationState
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord
from tests.conftest import mail_body
from tests.helpers import text_of
from tests.newcomers.conftest import count, link_in, only_application


@pytest.fixture()
def confirm_link(newcomer, form_data, deliver, smtp):
    """Apply through the form and return the link from the confirmation mail."""

    def apply(**overrides) -> str:
        data = form_data(**overrides)
        newcomer.post("/mitmachen", data=data)
        deliver()
        return link_in(smtp.to(data["email"])[-1])

    return apply


def test_double_opt_in_from_form_to_coordinators_queue(
    newcomer, confirm_link, client, coordinator, auth
):
    link = confirm_link()

    page = newcomer.get(link)
    assert page.status_code == 200
    assert "Lena Özdemir" in page.text
    assert ">E-Mail-Adresse bestätigen</button>" in page.text
    assert 'method="post"' in page.text
    assert only_application().state == ApplicationState.PENDING

    confirmed = newcomer.post(link, follow_redirects=True)
    assert "Ihre Adresse ist bestätigt" in confirmed.text
    application = only_application()
    assert application.state == ApplicationState.CONFIRMED
    assert application.confirmed_dt is not None

    auth.login(coordinator.email)
    queue = text_of(client.get("/verwaltung/bewerbungen/").text)
    assert "Lena Özdemir" in queue
    assert "lena.oezdemir@example.org" in queue
    assert "AWO Musterstadt (Freier Träger)" in queue
    assert "Fassung 2026-11" in queue


def test_opening_the_link_confirms_nothing(newcomer, confirm_link):
    link = confirm_link()

    for _ in range(3):  # a mail scanner, a preview, the person themselves
        assert newcomer.get(link).status_code == 200
    assert newcomer.head(link).status_code == 200

    assert only_application().state == ApplicationState.PENDING
    assert count(ConsentRecord) == 0


def test_confirming_records_the_consent_proof(newcomer, confirm_link):
    newcomer.post(confirm_link())

    application = only_application()
    consent = db.session.execute(select(ConsentRecord)).scalar_one()
    assert consent.email == "lena.oezdemir@example.org"
    assert consent.purpose == ConsentPurpose.NEWCOMER_APPLICATION
    assert consent.subject_ref == str(application.id)
    assert consent.text_version == "2026-11"
    assert consent.given_ip == "127.0.0.1"
    assert consent.given_dt == application.confirmed_dt


def test_the_office_hears_of_a_confirmed_application(app, newcomer, confirm_link, deliver, smtp):
    newcomer.post(confirm_link())
    deliver()

    (note,) = smtp.to(app.config["OFFICE_EMAIL"])
    assert note["Subject"] == "Neue Bewerbung: Lena Özdemir"
    assert link_in(note).endswith("/verwaltung/bewerbungen/")
    assert "0209" not in mail_body(note)  # only what the office needs to look


def test_a_second_confirmation_says_already_confirmed(newcomer, confirm_link):
    link = confirm_link()
    newcomer.post(link)

    again = newcomer.post(link)
    opened = newcomer.get(link)

    for response in (again, opened):
        assert response.status_code == 200
        assert "Ihre Adresse ist bereits bestätigt" in response.text
    assert count(ConsentRecord) == 1


def test_an_expired_link_confirms_nothing(newcomer, confirm_link, monkeypatch):
    eight_days_ago = int(time.time()) - 8 * 24 * 3600
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
        link = confirm_link()

    for response in (newcomer.get(link), newcomer.post(link)):
        assert response.status_code == 400
        assert "Der Link ist abgelaufen" in response.text
        assert "Formular bitte noch einmal aus" in text_of(response.text)
    assert only_application().state == ApplicationState.PENDING


def test_an_old_link_to_a_confirmed_application_says_already_confirmed(
    newcomer, confirm_link, monkeypatch
):
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 30 * 86400)
        link = confirm_link()
    only_application().state = ApplicationState.CONFIRMED
    db.session.commit()

    response = newcomer.get(link)

    assert response.status_code == 200
    assert "Ihre Adresse ist bereits bestätigt" in response.text


@pytest.mark.parametrize("kind", ["damaged", "other purpose", "unknown id"])
def test_forged_links_are_refused(app, newcomer, confirm_link, kind):
    link = confirm_link()
    base, _, token = link.rpartition("/")
    forged = {
        "damaged": token[:-3] + ("abc" if not token.endswith("abc") else "xyz"),
        "other purpose": make_token("invitation", only_application().id),
        "unknown id": make_token("newcomer-confirm", 4711),
    }[kind]

    for response in (newcomer.get(f"{base}/{forged}"), newcomer.post(f"{base}/{forged}")):
        assert response.status_code == 400
        assert "Der Link ist ungültig" in response.text
    assert only_application().state == ApplicationState.PENDING
    assert count(ConsentRecord) == 0


def test_the_whole_opt_in_works_with_csrf_protection_on(app, newcomer, form_data, deliver, smtp):
    app.config["WTF_CSRF_ENABLED"] = True

    form_page = newcomer.get("/mitmachen").text
    newcomer.post("/mitmachen", data=form_data(csrf_token=csrf_token_in(form_page)))
    deliver()
    link = link_in(smtp.to("lena.oezdemir@example.org")[0])
    newcomer.post(link, data={"csrf_token": csrf_token_in(newcomer.get(link).text)})

    assert only_application().state == ApplicationState.CONFIRMED


def csrf_token_in(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
