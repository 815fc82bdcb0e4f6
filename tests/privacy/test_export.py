"""Access and portability (Art. 15/20): the own data as JSON, and any person's for coordinators."""

import json

from sqlalchemy import select

from netzwerk.accounts.models import AuditEntry
from netzwerk.db import db
from netzwerk.events.operations import register
from netzwerk.privacy.collect import collect_person, find_person
from tests import factories
from tests.privacy.conftest import EMAIL, guest


def download(client, url, method="get"):
    response = client.open(url, method=method)
    assert response.status_code == 200, response.status_code
    return response, json.loads(response.get_data(as_text=True))


def test_member_downloads_all_own_data_as_json_attachment(client, auth, footprint):
    auth.login(EMAIL)

    response, document = download(client, "/konto/daten/export.json")

    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    assert document["format"] == "netzwerk-datenauskunft/1"
    data = document["daten"]
    assert data["mitglied"][0]["nachname"] == "Wagner"
    assert data["zugaenge"][0]["email"] == EMAIL
    assert {r["veranstaltung"] for r in data["anmeldungen"]} == {
        "Fachtag 2025",
        "Netzwerktreffen Herbst",
    }
    assert data["bewerbungen"][0]["anfrage_ip"] == "198.51.100.7"
    assert data["verteiler_abonnements"][0]["verteiler"] == "Rundbrief"
    assert data["verteiler_abmeldungen"][0]["verteiler"] == "Fachtag-Infos"
    assert data["themenvorschlaege"][0]["titel"] == "Kinderschutz im Ganztag"
    assert data["themenstimmen"][0]["thema"] == "Elternarbeit"
    assert data["themenkommentare"][0]["text"] == "Gute Idee!"
    assert data["qualitaetszirkel"][0]["zirkel"] == "QZ Grundschulen"
    assert data["zirkel_rueckmeldungen"][0]["antwort"]
    assert {c["zweck"] for c in data["einwilligungen"]} >= {"Eintrag im Netzwerkverzeichnis"}
    assert len(data["protokoll"]) == 2


def test_export_lists_mails_by_subject_without_their_text(client, auth, footprint):
    auth.login(EMAIL)

    response, document = download(client, "/konto/daten/export.json")

    subjects = [m["betreff"] for m in document["daten"]["nachrichten"]]
    assert "Ihr Rundbrief" in subjects
    assert "Guten Tag" not in response.get_data(as_text=True)  # no mail bodies


def test_export_leaves_out_secrets(client, auth, footprint):
    auth.login(EMAIL)

    response, _ = download(client, "/konto/daten/export.json")

    text = response.get_data(as_text=True)
    assert footprint.user.password_hash not in text
    assert footprint.place.token_nonce not in text


def test_export_times_are_berlin_iso(client, auth, footprint):
    auth.login(EMAIL)

    _, document = download(client, "/konto/daten/export.json")

    created = document["erstellt"]
    assert created[-6:] in ("+01:00", "+02:00")


def test_the_download_needs_a_login(client):
    response = client.get("/konto/daten/export.json")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_account_without_member_profile_can_export_too(client, auth, coordinator):
    auth.login(coordinator.email)

    _, document = download(client, "/konto/daten/export.json")

    assert document["daten"]["zugaenge"][0]["rolle"] == "Koordinierung"
    assert document["daten"]["mitglied"] == []


def test_the_own_data_page_shows_what_is_stored(client, auth, footprint):
    auth.login(EMAIL)

    html = client.get("/konto/daten").get_data(as_text=True)

    assert "Anmeldungen zu Veranstaltungen" in html
    assert "Alle Daten herunterladen" in html
    assert "Löschung beantragen" in html


def test_coordinator_exports_a_guest_known_only_by_address(coordinator_client, app):
    event = factories.make_event(allows_guests=True)
    register(event.id, guest("gerd.gast@example.org"))
    db.session.commit()

    _, document = download(
        coordinator_client,
        "/verwaltung/datenschutz/person/auskunft?email=Gerd.Gast@Example.org",
        method="post",
    )

    (registration,) = document["daten"]["anmeldungen"]
    assert registration["vorname"] == "Gerd"
    assert registration["antworten"] == {"diet": "vegetarisch"}
    assert registration["status"] == "E-Mail-Adresse nicht bestätigt"


def test_a_coordinator_export_is_logged(coordinator_client, footprint):
    download(
        coordinator_client,
        f"/verwaltung/datenschutz/person/auskunft?email={EMAIL}",
        method="post",
    )

    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "privacy.export")
    ).scalar_one()
    assert entry.object_id == footprint.member.id
    assert EMAIL in entry.summary


def test_a_coordinator_export_needs_a_post(coordinator_client, footprint):
    response = coordinator_client.get(f"/verwaltung/datenschutz/person/auskunft?email={EMAIL}")
    assert response.status_code == 405


def test_failed_logins_belong_to_the_data(app, footprint):
    data = collect_person(find_person(EMAIL))

    assert len(data["fehlgeschlagene_anmeldungen"]) == 1


def test_the_person_is_found_by_the_login_address_too(app, footprint):
    footprint.member.email = "lea.wagner@schule.example.org"
    db.session.commit()

    person = find_person("LEA.WAGNER@EXAMPLE.ORG")

    assert person.member_ids == {footprint.member.id}
    assert "lea.wagner@schule.example.org" in person.emails
