"""The members' CSV import with arbitrary cells: each row is imported as written or named
in a German error, the file as a whole never causes a 500, and no address exists twice."""

import csv
import io
import re

import pytest
from hypothesis import event as hypothesis_event
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from netzwerk.accounts.operations import normalise_email
from netzwerk.db import db
from netzwerk.members.models import Member
from netzwerk.members.transfer_csv import clean_cell
from tests.security.fuzz import FUZZ, email_addresses, field_errors, hostile_text

HEADER = ["Vorname", "Nachname", "E-Mail", "Telefon", "Träger-Art", "Träger"]
ADDRESSES = ["anna.schmidt@example.org", "ben.koch@example.org", "cem.arslan@example.org"]


@pytest.fixture(autouse=True)
def import_folder(app, tmp_path):
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")


def csv_row(data, line: int) -> dict[str, str]:
    row = {
        "Vorname": "Anna",
        "Nachname": "Schmidt",
        "E-Mail": data.draw(st.sampled_from(ADDRESSES), label=f"E-Mail {line}"),
        "Telefon": "0201 123456",
        "Träger-Art": "Freier Träger",
        "Träger": "AWO Musterstadt",
    }
    column = data.draw(st.sampled_from(["Vorname", "Nachname", "E-Mail", "Telefon", "Träger"]))
    text = email_addresses(ADDRESSES) if column == "E-Mail" else hostile_text
    row[column] = data.draw(text, label=f"{column} {line}")
    return row


def as_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, HEADER, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def refused_lines(preview: str) -> set[int]:
    return {int(line) for line in re.findall(r"<li>Zeile (\d+): ", preview)}


def name_key(name: str) -> str:
    return " ".join(name.split()).lower()


@FUZZ
@given(data=st.data())
def test_every_row_is_imported_as_written_or_refused_in_german(app, coordinator_client, data):
    rows = [csv_row(data, line) for line in range(2, 2 + data.draw(st.integers(1, 4)))]

    upload = coordinator_client.post(
        "/verwaltung/daten/import",
        data={"kind": "mitglieder", "file": (io.BytesIO(as_csv(rows)), "liste.csv")},
        content_type="multipart/form-data",
    )

    assert upload.status_code == 200
    page = upload.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page)
    if token is None:  # the file as a whole cannot be read (control characters, say)
        hypothesis_event("file refused")
        assert set(field_errors(page)) == {"file"}
        return
    refused = refused_lines(page)
    hypothesis_event(f"{len(refused)} of {len(rows)} rows refused")
    button = "only_valid" if refused else "run"
    done = coordinator_client.post(
        "/verwaltung/daten/import/bestaetigen", data={"token": token.group(1), button: "x"}
    )

    assert done.status_code == 200, done.status_code
    db.session.expire_all()
    for line, row in enumerate(rows, start=2):
        if line in refused:
            continue
        member = db.session.execute(
            select(Member).where(Member.email == normalise_email(row["E-Mail"]))
        ).scalar_one()
        assert member.first_name == clean_cell(row["Vorname"])
        assert member.last_name == clean_cell(row["Nachname"])
        if clean_cell(row["Telefon"]):  # an empty cell keeps the stored number
            assert member.phone == clean_cell(row["Telefon"])
        assert name_key(member.employer.name) == name_key(clean_cell(row["Träger"]))
    per_address = db.session.execute(
        select(func.count()).select_from(Member).group_by(func.lower(Member.email))
    ).scalars()
    assert max(per_address, default=0) <= 1
