"""CSV export of members and schools: opens in Excel with umlauts, safe against formulas."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from netzwerk.accounts.models import AuditEntry
from netzwerk.db import db
from netzwerk.members.models import EmployerKind, SchoolForm
from tests import factories

MEMBERS_URL = "/verwaltung/daten/mitglieder.csv"
SCHOOLS_URL = "/verwaltung/daten/schulen.csv"
MEMBER_HEADER = (
    "Vorname;Nachname;E-Mail;Telefon;Berufsgruppe;Träger-Art;Träger;Schulen;Aktiv;Im Verzeichnis"
)


def rows(response) -> list[list[str]]:
    content = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content, newline=""), delimiter=";"))


@pytest.fixture()
def juergen(app):
    schools = [
        factories.make_school("Grundschule Am Mühlenbach", SchoolForm.GRUNDSCHULE),
        factories.make_school("Realschule Süd", SchoolForm.REALSCHULE),
    ]
    member = factories.make_member(
        first_name="Jürgen",
        last_name="Größe-Müller",
        email="juergen@example.org",
        group="sofa",
        employer=factories.make_employer(EmployerKind.FREIER_TRAEGER, "Diakonie Überruhr"),
        schools=schools,
        listed_in_directory=True,
    )
    member.phone = "0201 12345"
    db.session.commit()
    return member


def test_member_export_opens_in_excel_with_umlauts(coordinator_client, juergen):
    response = coordinator_client.get(MEMBERS_URL)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM tells Excel it is UTF-8
    lines = response.data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == MEMBER_HEADER
    assert lines[-1] == ""  # every line, the last one too, ends with CRLF
    assert "\n" not in response.data.decode("utf-8-sig").replace("\r\n", "")


def test_member_export_has_every_field(coordinator_client, juergen):
    assert rows(coordinator_client.get(MEMBERS_URL))[1] == [
        "Jürgen",
        "Größe-Müller",
        "juergen@example.org",
        "0201 12345",
        "SOFA",
        "Freier Träger",
        "Diakonie Überruhr",
        "Grundschule Am Mühlenbach | Realschule Süd",
        "ja",
        "ja",
    ]


def test_export_is_an_attachment_with_a_dated_name(coordinator_client, juergen):
    today = datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat()
    members = coordinator_client.get(MEMBERS_URL)
    assert members.headers["Content-Disposition"] == (
        f'attachment; filename="netzwerk-mitglieder-{today}.csv"'
    )
    assert members.headers["Cache-Control"] == "no-store"
    schools = coordinator_client.get(SCHOOLS_URL)
    assert schools.headers["Content-Disposition"] == (
        f'attachment; filename="netzwerk-schulen-{today}.csv"'
    )


def test_member_export_takes_the_list_filters(coordinator_client, juergen):
    factories.make_member(email="aktiv@example.org", group="schuso")
    factories.make_member(email="inaktiv@example.org", group="schuso", is_active=False)
    group_id = factories.get_group("schuso").id

    def emails(query: str) -> set[str]:
        return {row[2] for row in rows(coordinator_client.get(MEMBERS_URL + query))[1:]}

    assert emails("") == {"juergen@example.org", "aktiv@example.org", "inaktiv@example.org"}
    assert emails("?gruppe=schuso") == {"aktiv@example.org", "inaktiv@example.org"}
    assert emails(f"?gruppe={group_id}&status=aktiv") == {"aktiv@example.org"}
    assert emails("?status=inaktiv") == {"inaktiv@example.org"}
    assert emails("?gruppe=gibt-es-nicht") == set()


def test_formulas_are_neutralised(coordinator_client, app):
    member = factories.make_member(
        first_name='=HYPERLINK("http://example.com")', last_name="@SUMME(A1)"
    )
    member.phone = "+49 201 12345"
    member.employer.name = "-1+1"
    db.session.commit()
    row = rows(coordinator_client.get(MEMBERS_URL))[1]
    assert row[0] == '\'=HYPERLINK("http://example.com")'
    assert row[1] == "'@SUMME(A1)"
    assert row[3] == "'+49 201 12345"
    assert row[6] == "'-1+1"


def test_member_export_is_recorded_in_the_audit_log(coordinator_client, coordinator, juergen):
    factories.make_member()
    coordinator_client.get(MEMBERS_URL)
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "export")).scalar_one()
    assert (entry.object_type, entry.object_id) == ("member", None)
    assert entry.summary == "2 Mitglieder exportiert"
    assert entry.actor_id == coordinator.id


def test_school_export_has_every_field(coordinator_client, app):
    factories.make_school("Förderschule Lindenhof", SchoolForm.FOERDERSCHULE, district="Süd")
    data = rows(coordinator_client.get(SCHOOLS_URL))
    assert data == [
        ["Name", "Schulform", "Sozialraum", "Straße", "PLZ", "Ort"],
        ["Förderschule Lindenhof", "Förderschule", "Süd", "Schulweg 1", "12345", "Musterstadt"],
    ]


def test_school_export_filters_by_schulform(coordinator_client, app):
    factories.make_school("Gymnasium Am Wall", SchoolForm.GYMNASIUM)
    factories.make_school("Grundschule Am Markt", SchoolForm.GRUNDSCHULE)
    data = rows(coordinator_client.get(SCHOOLS_URL + "?schulform=gymnasium"))
    assert [row[0] for row in data[1:]] == ["Gymnasium Am Wall"]


def test_import_page_links_to_the_exports(coordinator_client):
    html = coordinator_client.get("/verwaltung/daten/import").get_data(as_text=True)
    assert f'href="{MEMBERS_URL}"' in html
    assert f'href="{SCHOOLS_URL}"' in html
    assert 'enctype="multipart/form-data"' in html
