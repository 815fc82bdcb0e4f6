"""The public form /mitmachen: what it asks, how it refuses bad input, what it reveals."""

import pytest
from sqlalchemy import select

from netzwerk.db import db
from netzwerk.mailing.models import OutboxMessage
from netzwerk.newcomers.models import Application, ApplicationState
from tests.conftest import mail_body
from tests.factories import make_member, make_school
from tests.helpers import text_of
from tests.newcomers.conftest import count, link_in, nothing_written, only_application


def test_form_asks_for_contact_data_with_groups_and_privacy_text(client, groups):
    make_school("Gesamtschule Buer")
    html = client.get("/mitmachen").text
    page = text_of(html)

    assert "<h1>Neu im Netzwerk? Kontaktdaten mitteilen</h1>" in html
    positions = [page.index(f"{g.name} – ") for g in groups]
    assert positions == sorted(positions)  # Berufsgruppen in their configured order
    assert "Weiß ich nicht / andere" in page
    assert '<option value="Gesamtschule Buer">' in html  # datalist of known schools
    assert "Ich willige ein, dass die Koordinierungsstelle Schulsozialarbeit meine Angaben" in page
    assert "jederzeit widerrufbar" in page
    assert 'href="/datenschutz"' in html
    assert 'for="phone">Telefon</label> <span class="optional">(optional)</span>' in html


def test_a_valid_request_waits_for_confirmation(client, form_data, deliver, smtp):
    response = client.post("/mitmachen", data=form_data(), follow_redirects=True)

    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in response.text
    application = only_application()
    assert application.state == ApplicationState.PENDING
    assert application.email == "lena.oezdemir@example.org"
    assert application.consent_text_version == "2026-11"
    assert application.request_ip == "127.0.0.1"
    assert application.confirmation_sent_dt is not None
    deliver()
    (mail,) = smtp.to("lena.oezdemir@example.org")
    assert mail["Subject"] == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert "/mitmachen/bestaetigen/" in link_in(mail)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "lena@"}, "email", "Bitte geben Sie eine gültige E-Mail-Adresse an"),
        ({"consent": None}, "consent", "Ohne Ihre Einwilligung können wir Ihre Angaben nicht"),
        ({"last_name": "  "}, "last_name", "Bitte füllen Sie dieses Feld aus."),
        ({"group": ""}, "group", "Bitte wählen Sie Ihre Berufsgruppe."),
        ({"phone": "ruf mich an"}, "phone", "Bitte verwenden Sie nur Ziffern"),
    ],
)
def test_bad_input_is_explained_at_the_field_and_nothing_is_stored(
    client, form_data, change, field, message
):
    response = client.post("/mitmachen", data=form_data(**change))

    assert response.status_code == 200
    html = response.text
    assert f'<p class="error" id="{field}-error">{message}' in html
    assert f'aria-describedby="{field}-error"' in html or f"{field}-hint {field}-error" in html
    assert 'value="Özdemir"' in html or field == "last_name"  # what was typed is kept
    assert "Ich beginne im August." in html
    assert nothing_written()


def test_same_page_whether_address_is_new_member_or_pending(client, form_data, deliver, smtp):
    make_member(email="bekannt@example.org", first_name="Bea", last_name="Bekannt")
    client.post("/mitmachen", data=form_data(email="wartend@example.org"))
    addresses = ("neu@example.org", "Bekannt@example.org", "wartend@example.org")

    answers = [client.post("/mitmachen", data=form_data(email=a)) for a in addresses]
    pages = [client.get(a.headers["Location"]) for a in answers]

    redirects = {(a.status_code, a.headers["Location"]) for a in answers}
    assert redirects == {(302, "/mitmachen/gesendet")}
    assert {p.status_code for p in pages} == {200}
    assert len({text_of(p.text) for p in pages}) == 1
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in pages[0].text
    deliver()
    assert smtp.to("bekannt@example.org")[0]["Subject"] == "Sie sind bereits im Netzwerk"
    assert len(smtp.to("wartend@example.org")) == 2  # a fresh link for the second request
    assert smtp.to("neu@example.org")[0]["Subject"] == "Bitte bestätigen Sie Ihre E-Mail-Adresse"


def test_a_member_who_applies_is_pointed_to_the_password_reset(client, form_data, deliver, smtp):
    make_member(email="bea@example.org", first_name="Bea", last_name="Bekannt")

    client.post("/mitmachen", data=form_data(email="bea@example.org", first_name="Fremd"))

    assert count(Application) == 0  # a member's data is not collected again
    deliver()
    (mail,) = smtp.to("bea@example.org")
    assert "Bea Bekannt" in mail["To"]  # the name we know, not the one typed in
    assert "Sie sind bereits im Netzwerk" in mail_body(mail)
    link = link_in(mail)
    assert link.endswith("/passwort-vergessen")
    assert "Passwort vergessen" in client.get(link).text


def test_an_inactive_member_may_apply_again(client, form_data):
    make_member(email="frueher@example.org", is_active=False)
    client.post("/mitmachen", data=form_data(email="frueher@example.org"))
    assert only_application().state == ApplicationState.PENDING


def test_sending_again_replaces_the_pending_request(client, form_data, deliver, smtp):
    client.post("/mitmachen", data=form_data(phone="0209 1"))
    client.post("/mitmachen", data=form_data(email="LENA.OEZDEMIR@example.org", phone="0209 2"))

    application = only_application()
    assert application.phone == "0209 2"
    deliver()
    assert len(smtp.to("lena.oezdemir@example.org")) == 2


def test_unknown_group_choice_is_refused(client, form_data):
    response = client.post("/mitmachen", data=form_data(group="99999"))
    assert "Bitte wählen Sie eine Berufsgruppe aus der Liste." in response.text
    assert nothing_written()


def test_other_group_stores_no_group(client, form_data):
    client.post("/mitmachen", data=form_data(group="andere", employer_kind=""))
    application = only_application()
    assert application.group_id is None
    assert application.employer_kind is None


def test_optional_fields_may_stay_empty(client, form_data):
    response = client.post(
        "/mitmachen",
        data=form_data(phone="", school_name="", employer_kind="", employer_name="", message=""),
    )
    assert response.status_code == 302
    assert db.session.execute(select(OutboxMessage)).scalar_one().subject.startswith("Bitte")
