"""What the coordinator takes away from an event: participant CSV, sign-in sheet, badges."""

import csv
import io

from pypdf import PdfReader
from sqlalchemy import select

from netzwerk.accounts.models import AuditEntry
from netzwerk.db import db
from netzwerk.events import operations
from netzwerk.events.models import RegistrationState
from tests import factories

HEADER = [
    "Nachname",
    "Vorname",
    "E-Mail",
    "Berufsgruppe",
    "Träger",
    "Schule",
    "Status",
    "Workshops",
    "Ernährung",
    "Barrierefreiheit",
    "Angemeldet am",
    "Anwesend",
]


def fachtag(capacity=2):
    event = factories.make_event(
        capacity=capacity,
        title="Fachtag „Übergänge“",
        workshops=[("Kinderschutz im Ganztag", 1, None), ("Elternarbeit", 1, None)],
        questions=[
            {"key": "diet", "label": "Ernährung"},
            {"key": "access", "label": "Barrierefreiheit"},
        ],
    )
    return event


def register(event, first_name, last_name, **kwargs):
    return factories.make_registration(event, first_name=first_name, last_name=last_name, **kwargs)


def read_excel_csv(response):
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def pdf_text(response) -> tuple[int, list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    return len(reader.pages), [page.extract_text() for page in reader.pages]


def test_excel_csv_lists_confirmed_and_attended_people_with_umlauts(coordinator_client, app):
    event = fachtag(capacity=2)
    workshop = next(w for w in event.workshops if w.title == "Kinderschutz im Ganztag")
    register(
        event,
        "Jürgen",
        "Öztürk",
        answers={"diet": "vegetarisch", "access": True},
        picks={1: [workshop.id]},
        attended=True,
    )
    register(event, "Anna", "Ähnlich")
    register(event, "Wolf", "Warteliste")

    response = coordinator_client.get(f"/verwaltung/veranstaltungen/{event.id}/teilnehmende.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_excel_csv(response)
    assert rows[0] == HEADER
    # Sorted as in a phone book: Ähnlich with A, Öztürk with O.
    assert [row[:2] for row in rows[1:]] == [["Ähnlich", "Anna"], ["Öztürk", "Jürgen"]]
    oeztuerk = dict(zip(HEADER, rows[2], strict=True))
    assert oeztuerk["Status"] == "Anwesend"
    assert oeztuerk["Workshops"] == "Kinderschutz im Ganztag"
    assert oeztuerk["Ernährung"] == "vegetarisch"
    assert oeztuerk["Barrierefreiheit"] == "ja"
    assert oeztuerk["Träger"] == "AWO Musterstadt"
    assert oeztuerk["Anwesend"] == "ja"
    assert dict(zip(HEADER, rows[1], strict=True))["Anwesend"] == "nein"


def test_the_status_filter_picks_the_waiting_list_or_everyone(coordinator_client, app):
    event = fachtag(capacity=1)
    register(event, "Clara", "Bestätigt")
    register(event, "Wolf", "Warteliste")
    gone = register(event, "Ada", "Abgemeldet")
    operations.cancel_registration(gone)
    db.session.commit()
    url = f"/verwaltung/veranstaltungen/{event.id}/teilnehmende.csv"

    waiting = read_excel_csv(coordinator_client.get(url, query_string={"status": "waiting"}))
    everyone = read_excel_csv(coordinator_client.get(url, query_string={"status": "alle"}))

    assert [row[0] for row in waiting[1:]] == ["Warteliste"]
    assert [(row[0], row[6]) for row in everyone[1:]] == [
        ("Abgemeldet", "Abgemeldet"),
        ("Bestätigt", "Bestätigt"),
        ("Warteliste", "Warteliste"),
    ]


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(coordinator_client, app):
    event = fachtag(capacity=5)
    register(event, '=HYPERLINK("http://evil.example","Klick")', "Formel", answers={"diet": "+1"})

    rows = read_excel_csv(
        coordinator_client.get(f"/verwaltung/veranstaltungen/{event.id}/teilnehmende.csv")
    )

    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","Klick")'
    assert rows[1][8] == "'+1"


def test_the_export_is_recorded_in_the_audit_log(coordinator_client, app):
    event = fachtag()
    register(event, "Clara", "Bestätigt")

    coordinator_client.get(f"/verwaltung/veranstaltungen/{event.id}/teilnehmende.csv")

    entry = db.session.execute(select(AuditEntry)).scalar_one()
    assert (entry.action, entry.object_type, entry.object_id) == ("export", "event", event.id)


def test_a_plain_csv_for_other_programs_uses_commas_and_no_bom(coordinator_client, app):
    event = fachtag()
    register(event, "Jürgen", "Öztürk")

    response = coordinator_client.get(
        f"/verwaltung/veranstaltungen/{event.id}/teilnehmende.csv", query_string={"format": "csv"}
    )

    data = response.get_data()
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == HEADER
    assert rows[1][:2] == ["Öztürk", "Jürgen"]


def test_the_sign_in_sheet_lists_exactly_the_confirmed_participants(coordinator_client, app):
    event = fachtag(capacity=2)
    register(event, "Jürgen", "Öztürk", attended=True)
    register(event, "Anna", "Ähnlich")
    register(event, "Wolf", "Warteliste")

    pages, texts = pdf_text(
        coordinator_client.get(f"/verwaltung/veranstaltungen/{event.id}/unterschriftenliste.pdf")
    )

    text = "\n".join(texts)
    assert "Unterschriftenliste" in text
    assert "Fachtag „Übergänge“" in text
    assert "Öztürk, Jürgen" in text
    assert "Ähnlich, Anna" in text
    assert "Warteliste" not in text
    assert text.index("Ähnlich, Anna") < text.index("Öztürk, Jürgen")
    assert pages == 1
    assert "Seite 1 von 1" in text


def test_a_long_sign_in_sheet_repeats_the_header_row_and_numbers_its_pages(coordinator_client, app):
    event = fachtag(capacity=None)
    for n in range(25):
        register(event, "Person", f"Teilnehmerin {n:02d}")

    pages, texts = pdf_text(
        coordinator_client.get(f"/verwaltung/veranstaltungen/{event.id}/unterschriftenliste.pdf")
    )

    assert pages > 1
    for number, text in enumerate(texts, start=1):
        assert "Unterschrift" in text
        assert f"Seite {number} von {pages}" in text
    assert "Teilnehmerin 24, Person" in texts[-1]


def test_name_badges_carry_every_confirmed_name(coordinator_client, app):
    event = fachtag(capacity=None)
    for n in range(9):
        register(event, "Jördis", f"Schild{n}")

    pages, texts = pdf_text(
        coordinator_client.get(f"/verwaltung/veranstaltungen/{event.id}/namensschilder.pdf")
    )

    assert pages == 2  # eight badges per page
    text = "\n".join(texts)
    assert all(f"Schild{n}" in text for n in range(9))


def test_the_desk_page_offers_the_lists_and_the_check_in(coordinator_client, app):
    event = fachtag()
    register(event, "Jürgen", "Öztürk", attended=True)

    page = coordinator_client.get(f"/verwaltung/veranstaltungen/{event.id}/unterlagen")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 von 1" in html
    assert f"/verwaltung/veranstaltungen/{event.id}/unterschriftenliste.pdf" in html
    assert f"/verwaltung/veranstaltungen/{event.id}/bescheinigungen.pdf" in html


def test_a_deleted_event_has_no_lists(coordinator_client, app):
    response = coordinator_client.get("/verwaltung/veranstaltungen/999/teilnehmende.csv")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


def test_waiting_registrations_never_appear_as_confirmed(app):
    from netzwerk.events.exports import registrations_for_export

    event = fachtag(capacity=1)
    register(event, "Clara", "Bestätigt")
    waiting = register(event, "Wolf", "Warteliste")

    assert waiting.state == RegistrationState.WAITING
    exported = registrations_for_export(event.id, ("confirmed", "attended"))
    assert [r.last_name for r in exported] == ["Bestätigt"]
