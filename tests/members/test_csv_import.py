"""CSV import of members and schools: good, broken and Excel-style files, preview, confirmation."""

import io
import os
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, event, func, select

from netzwerk.db import db
from netzwerk.members.models import District, Employer, EmployerKind, Member, School, SchoolForm
from netzwerk.members.transfer import (
    ImportNotValid,
    import_members,
    member_cells,
    school_cells,
    validate_member_rows,
)
from netzwerk.members.transfer_csv import (
    MEMBER_COLUMNS,
    ImportFileError,
    decode_csv,
    read_table,
)
from tests import factories

DATA = Path(__file__).parent / "data"
IMPORT_URL = "/verwaltung/daten/import"
CONFIRM_URL = "/verwaltung/daten/import/bestaetigen"


@pytest.fixture(autouse=True)
def import_folder(app, tmp_path):
    folder = tmp_path / "imports"
    app.config["IMPORT_FOLDER"] = str(folder)
    return folder


@pytest.fixture()
def network(app):
    for slug in ("schuso", "sofa", "mpt", "sds"):
        factories.get_group(slug)
    factories.make_employer(EmployerKind.FREIER_TRAEGER, "AWO Musterstadt")
    factories.make_employer(EmployerKind.LAND, "Land NRW")
    for name, form in (
        ("Grundschule Am Mühlenbach", SchoolForm.GRUNDSCHULE),
        ("Gesamtschule Nord", SchoolForm.GESAMTSCHULE),
        ("Realschule Süd", SchoolForm.REALSCHULE),
    ):
        factories.make_school(name, form)


def upload(client, content: bytes, filename="liste.csv", kind="mitglieder"):
    return client.post(
        IMPORT_URL,
        data={"kind": kind, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def upload_sample(client, name: str, kind="mitglieder"):
    return upload(client, (DATA / name).read_bytes(), name, kind)


def token_of(response) -> str:
    return re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', text(response)).group(1)


def confirm(client, preview, button="run"):
    return client.post(CONFIRM_URL, data={"token": token_of(preview), button: "x"})


def text(response) -> str:
    return response.get_data(as_text=True)


def member_count() -> int:
    return db.session.execute(select(func.count(Member.id))).scalar_one()


def member(email: str) -> Member:
    db.session.expire_all()
    return db.session.execute(select(Member).where(Member.email == email)).scalar_one()


# --- good files ------------------------------------------------------------------


def test_good_utf8_comma_file_is_previewed_and_imported_on_confirmation(
    coordinator_client, network
):
    preview = upload_sample(coordinator_client, "members_good_utf8.csv")
    assert preview.status_code == 200
    assert "3 neue, 0 aktualisierte, 0 fehlerhafte Zeilen" in text(preview)
    assert "Träger „Stadt Musterstadt“ (Kommune)" in text(preview)
    assert member_count() == 0  # the preview writes nothing

    done = confirm(coordinator_client, preview)
    assert "3 Mitglieder angelegt, 0 aktualisiert" in text(done)

    anna = member("anna.schmidt@example.org")
    assert (anna.first_name, anna.last_name, anna.phone) == ("Anna", "Schmidt", "0201 123456")
    assert anna.group.name == "SchuSo"
    assert (anna.employer.kind, anna.employer.name) == (
        EmployerKind.FREIER_TRAEGER,
        "AWO Musterstadt",
    )
    assert [s.name for s in anna.schools] == ["Gesamtschule Nord"]
    assert anna.is_active and anna.listed_in_directory
    ben = member("ben.yilmaz@example.org")
    assert ben.group.name == "SOFA"
    assert ben.employer.name == "Stadt Musterstadt" and ben.employer.kind == EmployerKind.KOMMUNE
    assert [s.name for s in ben.schools] == ["Gesamtschule Nord", "Grundschule Am Mühlenbach"]
    assert ben.is_active and not ben.listed_in_directory
    clara = member("clara.weber@example.org")  # stored lower-cased
    assert clara.employer.name == "Land NRW" and not clara.listed_in_directory


@pytest.mark.parametrize("sample", ["members_excel_cp1252.csv", "members_excel_utf8_bom.csv"])
def test_excel_semicolon_files_keep_umlauts(coordinator_client, network, sample):
    preview = upload_sample(coordinator_client, sample)
    assert "2 neue, 0 aktualisierte, 0 fehlerhafte Zeilen" in text(preview)
    confirm(coordinator_client, preview)

    juergen = member("juergen.mueller@example.org")
    assert (juergen.first_name, juergen.last_name) == ("Jürgen", "Müller")
    assert juergen.employer.name == "Diakonie Überruhr"
    assert [s.name for s in juergen.schools] == ["Grundschule Am Mühlenbach"]
    doerte = member("doerte.groesse@example.org")
    assert (doerte.first_name, doerte.last_name) == ("Dörte", "Größe")
    assert {s.name for s in doerte.schools} == {"Realschule Süd", "Gesamtschule Nord"}
    assert doerte.listed_in_directory


def test_headers_match_without_regard_to_case_spaces_and_spelling(app, network):
    content = (
        " vorname ;NACHNAME;E-Mail-Adresse;Traeger;Träger-Art;Sonstiges\r\n"
        "Ida;Kurz;ida@example.org;AWO Musterstadt;freier träger;egal\r\n"
    )
    table = read_table(decode_csv(content.encode("cp1252")), MEMBER_COLUMNS)
    check = validate_member_rows(table)
    assert check.is_valid, check.errors
    assert check.ignored_headers == ["Sonstiges"]
    assert check.rows[0].employer.name == "AWO Musterstadt"


def test_line_numbers_are_excel_rows_despite_blank_lines_and_multiline_cells(app):
    content = 'Vorname;Nachname;E-Mail\n\nA;"zwei\nZeilen";a@example.org\nB;;b@example.org\n'
    table = read_table(content, MEMBER_COLUMNS)
    assert [row.line for row in table.rows] == [3, 4]
    errors = [str(e) for e in validate_member_rows(table).errors]
    assert "Zeile 3: Nachname enthält einen Zeilenumbruch oder Tabulator." in errors
    assert "Zeile 4: Pflichtfeld Nachname fehlt." in errors


# --- broken files ----------------------------------------------------------------

BROKEN_FILE_ERRORS = [
    "Zeile 3: Pflichtfeld Nachname fehlt.",
    "Zeile 4: Die E-Mail-Adresse steht schon in Zeile 2.",
    "Zeile 6: Die E-Mail-Adresse „max@“ ist ungültig.",
    "Zeile 7: Berufsgruppe „XYZ“ gibt es nicht (bekannt: SchuSo, SOFA, MPT, SDS).",
    "Zeile 8: Schule „Gymnasium Am Mond“ ist nicht im Schulverzeichnis.",
]


def test_broken_file_reports_every_bad_row_and_writes_nothing(coordinator_client, network):
    preview = upload_sample(coordinator_client, "members_broken.csv")
    html = text(preview)
    assert "2 neue, 0 aktualisierte, 5 fehlerhafte Zeilen" in html
    for message in BROKEN_FILE_ERRORS:
        assert message in html
    assert "Nur die gültigen Zeilen importieren" in html
    assert "Import ausführen" not in html
    assert member_count() == 0


def test_broken_file_cannot_be_imported_whole(coordinator_client, network):
    preview = upload_sample(coordinator_client, "members_broken.csv")
    response = confirm(coordinator_client, preview, button="run")
    assert response.status_code == 409
    assert BROKEN_FILE_ERRORS[0] in text(response)
    assert member_count() == 0


def test_only_valid_rows_imports_exactly_the_good_ones(coordinator_client, network):
    preview = upload_sample(coordinator_client, "members_broken.csv")
    done = confirm(coordinator_client, preview, button="only_valid")
    assert "2 Mitglieder angelegt, 0 aktualisiert" in text(done)
    emails = db.session.execute(select(Member.email).order_by(Member.email)).scalars().all()
    assert emails == ["anna.schmidt@example.org", "eva.roth@example.org"]
    assert member("anna.schmidt@example.org").last_name == "Schmidt"  # line 2, not line 4


def test_operation_refuses_a_file_with_errors_unless_only_valid(app, network):
    table = read_table(decode_csv((DATA / "members_broken.csv").read_bytes()), MEMBER_COLUMNS)
    with pytest.raises(ImportNotValid) as refused:
        import_members(table)
    assert [str(e) for e in refused.value.check.errors] == BROKEN_FILE_ERRORS
    assert member_count() == 0
    import_members(table, only_valid=True)
    assert member_count() == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Ida;Kurz;ida@example.org;Beamte;", "Träger-Art „Beamte“ ist unbekannt"),
        (
            "Ida;Kurz;ida@example.org;;Caritas",
            "Für den neuen Träger „Caritas“ fehlt die Träger-Art",
        ),
        ("Ida;Kurz;ida@example.org;Freier Träger;", "Bei der Träger-Art „Freier Träger“ fehlt"),
        ("Ida;Kurz;idä@example.org;;", "Die E-Mail-Adresse „idä@example.org“ ist ungültig"),
    ],
)
def test_employer_and_address_problems_are_explained(app, network, row, message):
    content = f"Vorname;Nachname;E-Mail;Träger-Art;Träger\n{row}\n"
    errors = [str(e) for e in validate_member_rows(read_table(content, MEMBER_COLUMNS)).errors]
    assert len(errors) == 1 and errors[0].startswith("Zeile 2: " + message), errors


def test_yes_no_columns_refuse_other_values(app, network):
    content = "Vorname;Nachname;E-Mail;Aktiv\nIda;Kurz;ida@example.org;vielleicht\n"
    errors = [str(e) for e in validate_member_rows(read_table(content, MEMBER_COLUMNS)).errors]
    assert errors == [
        "Zeile 2: „vielleicht“ in der Spalte Aktiv ist kein Ja/Nein-Wert "
        "(erlaubt: ja, nein, x, 1, 0, true, false)."
    ]


def test_unquoted_separator_in_a_value_is_reported(app, network):
    content = "Vorname;Nachname;E-Mail\nIda;Kurz;ida@example.org;zu viel\n"
    errors = [str(e) for e in validate_member_rows(read_table(content, MEMBER_COLUMNS)).errors]
    assert errors[0].startswith("Zeile 2: Die Zeile hat mehr Spalten als die Kopfzeile.")


def test_missing_required_column_is_named(coordinator_client, network):
    response = upload(coordinator_client, b"Vorname;E-Mail\nIda;ida@example.org\n")
    assert response.status_code == 200
    assert "In der Kopfzeile (Zeile 1) fehlt die Spalte „Nachname“" in text(response)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "Das ist eine Excel-Arbeitsmappe, keine CSV-Datei."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Die Datei ist keine Textdatei im CSV-Format."),
        (b"", "Die Datei ist leer."),
        (b"Vorname;Nachname;E-Mail\r\n", "enthält nur die Kopfzeile"),
        (b"x" * (5 * 1024 * 1024 + 1), "Die Datei ist größer als 5 MB."),
    ],
)
def test_unreadable_files_are_refused_next_to_the_field(
    coordinator_client, network, import_folder, content, message
):
    response = upload(coordinator_client, content)
    assert response.status_code == 200
    html = text(response)
    assert message in html
    assert 'id="file-error"' in html
    assert not import_folder.exists() or not any(import_folder.iterdir())


# --- duplicates by e-mail --------------------------------------------------------


def test_existing_email_in_other_case_updates_and_is_named(coordinator_client, network):
    nord = db.session.execute(select(School).where(School.name == "Gesamtschule Nord")).scalar()
    existing = factories.make_member(
        first_name="Anna",
        last_name="Alt",
        email="anna.schmidt@example.org",
        group="sds",
        schools=[nord],
    )
    content = (
        "Vorname;Nachname;E-Mail;Telefon;Schulen\n"
        "Anna;Schmidt;Anna.Schmidt@Example.ORG;0201 555;Realschule Süd\n"
    )
    preview = upload(coordinator_client, content.encode())
    html = text(preview)
    assert "0 neue, 1 aktualisierte, 0 fehlerhafte Zeilen" in html
    assert "<li>anna.schmidt@example.org</li>" in html

    done = confirm(coordinator_client, preview)
    assert "0 Mitglieder angelegt, 1 aktualisiert" in text(done)
    assert "<li>anna.schmidt@example.org</li>" in text(done)
    assert member_count() == 1
    updated = member("anna.schmidt@example.org")
    assert updated.id == existing.id
    assert (updated.last_name, updated.phone) == ("Schmidt", "0201 555")
    assert updated.group.slug == "sds"  # an empty or missing cell keeps what is stored
    assert [s.name for s in updated.schools] == ["Realschule Süd"]


def test_reimport_can_deactivate_and_closes_the_login(app, network):
    existing = factories.make_member(email="ida@example.org", with_account=True)
    content = "Vorname;Nachname;E-Mail;Aktiv\nIda;Kurz;IDA@example.org;nein\n"
    import_members(read_table(content, MEMBER_COLUMNS))
    db.session.commit()
    assert not existing.is_active and not existing.user.is_enabled


def test_a_large_file_is_written_in_batches_without_losing_a_row(app, network, monkeypatch):
    monkeypatch.setattr("netzwerk.members.transfer.WRITE_BATCH", 2)
    nord, sued = (
        db.session.execute(select(School).where(School.name == name)).scalar_one()
        for name in ("Gesamtschule Nord", "Realschule Süd")
    )
    for n in range(5):
        factories.make_member(email=f"alt{n}@example.org", last_name="Alt", schools=[nord])
    lines = ["Vorname;Nachname;E-Mail;Schulen;Im Verzeichnis"]
    lines += [f"A{n};Neu;alt{n}@example.org;Realschule Süd;ja" for n in range(5)]
    both = "Gesamtschule Nord | Realschule Süd"
    lines += [f"N{n};Neu;neu{n}@example.org;{both};ja" for n in range(5)]
    db.session.commit()

    check = import_members(read_table("\n".join(lines), MEMBER_COLUMNS))
    db.session.commit()

    assert (check.new_count, len(check.updated)) == (5, 5)
    db.session.expire_all()
    members = db.session.execute(select(Member).order_by(Member.email)).scalars().all()
    assert [m.email for m in members] == [f"alt{n}@example.org" for n in range(5)] + [
        f"neu{n}@example.org" for n in range(5)
    ]
    assert all(m.last_name == "Neu" and m.listed_in_directory for m in members)
    assert [[s.id for s in m.schools] for m in members[:5]] == [[sued.id]] * 5
    assert [{s.id for s in m.schools} for m in members[5:]] == [{nord.id, sued.id}] * 5


def test_checking_a_file_loads_no_member_into_the_session(app, network):
    factories.make_member(email="ida@example.org")
    db.session.commit()
    db.session.expunge_all()
    content = "Vorname;Nachname;E-Mail;Schulen\nIda;Kurz;ida@example.org;Realschule Süd\n"

    check = validate_member_rows(read_table(content, MEMBER_COLUMNS))

    assert len(check.updated) == 1
    # Only ids: a file of 10,000 rows would otherwise hold 10,000 members in the session.
    assert not [obj for obj in db.session.identity_map.values() if isinstance(obj, Member)]


# --- the preview, the confirmation and the stored upload ---------------------------


def test_cancel_discards_the_upload(coordinator_client, network, import_folder):
    preview = upload_sample(coordinator_client, "members_good_utf8.csv")
    assert len(list(import_folder.iterdir())) == 1
    response = confirm(coordinator_client, preview, button="cancel")
    assert response.status_code == 302
    assert list(import_folder.iterdir()) == []
    assert member_count() == 0


def test_confirming_twice_imports_once(coordinator_client, network, import_folder):
    preview = upload_sample(coordinator_client, "members_good_utf8.csv")
    confirm(coordinator_client, preview)
    again = confirm(coordinator_client, preview)
    assert again.status_code == 302
    assert member_count() == 3
    assert list(import_folder.iterdir()) == []


def test_forgotten_uploads_are_removed_after_a_day(coordinator_client, network, import_folder):
    upload_sample(coordinator_client, "members_good_utf8.csv")
    (forgotten,) = import_folder.iterdir()
    os.utime(forgotten, (time.time() - 25 * 3600,) * 2)
    upload_sample(coordinator_client, "members_good_utf8.csv")
    remaining = list(import_folder.iterdir())
    assert len(remaining) == 1 and forgotten not in remaining


@pytest.mark.parametrize("token", ["../../secret_key", "0" * 31 + "g", "A" * 32, ""])
def test_forged_tokens_are_refused(coordinator_client, token):
    response = coordinator_client.post(CONFIRM_URL, data={"token": token, "run": "x"})
    assert response.status_code == 400


def test_confirmation_checks_again_when_data_changed_meanwhile(coordinator_client, network):
    preview = upload_sample(coordinator_client, "members_good_utf8.csv")
    db.session.execute(delete(School).where(School.name == "Gesamtschule Nord"))
    db.session.commit()

    response = confirm(coordinator_client, preview)
    assert response.status_code == 409
    assert "Seit der Vorschau haben sich Daten geändert" in text(response)
    assert "Zeile 2: Schule „Gesamtschule Nord“ ist nicht im Schulverzeichnis." in text(response)
    assert member_count() == 0
    # The upload is kept, so the valid rows can still be taken over.
    done = confirm(coordinator_client, response, button="only_valid")
    assert "1 Mitglieder angelegt" in text(done)


def test_import_reads_the_database_a_fixed_number_of_times(app, network):
    def select_count(rows: int) -> int:
        lines = ["Vorname;Nachname;E-Mail;Berufsgruppe;Träger-Art;Träger;Schulen"]
        lines += [
            f"V{n};N{n};p{rows}-{n}@example.org;SchuSo;Freier Träger;Träger {n % 7};"
            "Gesamtschule Nord | Realschule Süd"
            for n in range(rows)
        ]
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            import_members(read_table("\n".join(lines), MEMBER_COLUMNS))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        db.session.commit()
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))

    assert select_count(5) == select_count(200)


# --- round trip and schools ---------------------------------------------------------


def test_export_then_import_restores_every_member_field(coordinator_client, network):
    schools = {s.name: s for s in db.session.execute(select(School)).scalars()}
    juergen = factories.make_member(
        first_name="Jürgen",
        last_name="Größe-Müller",
        email="juergen@example.org",
        group="sofa",
        employer=factories.make_employer(EmployerKind.FREIER_TRAEGER, "Diakonie Überruhr"),
        schools=[schools["Grundschule Am Mühlenbach"], schools["Realschule Süd"]],
        listed_in_directory=True,
    )
    factories.make_member(
        first_name="=Ilse", last_name="Ärmel", email="ilse@example.org", is_active=False
    )
    juergen.phone = "+49 201 12345"
    db.session.commit()
    members = db.session.execute(select(Member).order_by(Member.email)).scalars().all()
    before = [member_cells(m) for m in members]

    exported = coordinator_client.get("/verwaltung/daten/mitglieder.csv").data
    db.session.execute(delete(Member))
    db.session.commit()
    preview = upload(coordinator_client, exported, "export.csv")
    assert "2 neue, 0 aktualisierte, 0 fehlerhafte Zeilen" in text(preview)
    confirm(coordinator_client, preview)

    db.session.expire_all()
    members = db.session.execute(select(Member).order_by(Member.email)).scalars().all()
    assert [member_cells(m) for m in members] == before


def test_schools_import_creates_districts_and_pads_postal_codes(coordinator_client, network):
    preview = upload_sample(coordinator_client, "schools_excel_cp1252.csv", kind="schulen")
    html = text(preview)
    assert "2 neue, 1 aktualisierte, 0 fehlerhafte Zeilen" in html
    assert "<li>Grundschule Am Mühlenbach</li>" in html
    assert "Sozialraum „Süd“" in html and "Sozialraum „Nordstadt“" in html

    done = confirm(coordinator_client, preview)
    assert "2 Schulen angelegt, 1 aktualisiert" in text(done)
    school = db.session.execute(
        select(School).where(School.name == "Förderschule Lindenhof")
    ).scalar_one()
    assert school.school_form == SchoolForm.FOERDERSCHULE
    assert (school.district.name, school.postal_code, school.city) == (
        "Nordstadt",
        "01067",
        "Dresden",
    )
    names = db.session.execute(select(District.name).order_by(District.name)).scalars().all()
    assert names == ["Nord", "Nordstadt", "Süd"]


def test_schools_import_reports_unknown_schulform_and_duplicates(coordinator_client, network):
    content = (
        "Name;Schulform;PLZ\n"
        "Neue Schule;Waldorfschule;45127\n"
        "Zweite Schule;;45127\n"
        "Dritte Schule;Gymnasium;ABC\n"
        "neue schule;Gymnasium;\n"
    )
    html = text(upload(coordinator_client, content.encode(), kind="schulen"))
    assert "Zeile 2: Schulform „Waldorfschule“ gibt es nicht (bekannt: Grundschule," in html
    assert "Zeile 3: Pflichtfeld Schulform fehlt." in html
    assert "Zeile 4: Die PLZ „ABC“ ist ungültig (fünf Ziffern)." in html
    assert "Zeile 5: Die Schule „neue schule“ steht schon in Zeile 2." in html
    assert db.session.execute(select(func.count(School.id))).scalar_one() == 3


def test_schools_export_then_import_restores_every_field(coordinator_client, network):
    before = [
        school_cells(s) for s in db.session.execute(select(School).order_by(School.name)).scalars()
    ]
    exported = coordinator_client.get("/verwaltung/daten/schulen.csv").data
    db.session.execute(delete(School))
    db.session.commit()
    confirm(coordinator_client, upload(coordinator_client, exported, kind="schulen"))
    db.session.expire_all()
    after = [
        school_cells(s) for s in db.session.execute(select(School).order_by(School.name)).scalars()
    ]
    assert after == before


def test_decoding_falls_back_to_windows_1252(app):
    assert decode_csv("Größe;Träger\r\n".encode("cp1252")) == "Größe;Träger\r\n"
    assert decode_csv("\ufeffGröße".encode()) == "Größe"
    assert decode_csv("Größe\tTräger".encode("utf-16")) == "Größe\tTräger"  # "Unicode-Text"
    with pytest.raises(ImportFileError):
        decode_csv(b"\x00\x01binary")


def test_import_is_recorded_in_the_audit_log(coordinator_client, network):
    from netzwerk.accounts.models import AuditEntry

    confirm(coordinator_client, upload_sample(coordinator_client, "members_good_utf8.csv"))
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "import")).scalar_one()
    assert entry.summary == "CSV-Import: 3 Mitglieder angelegt, 0 aktualisiert"
    assert entry.object_type == "member"
    assert db.session.execute(select(func.count(Employer.id))).scalar_one() == 3
