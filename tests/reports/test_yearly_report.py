"""The yearly report's figures, known from how the data was built, on the page, in the CSV
file and in the PDF; calendar and school years cut at midnight in Berlin."""

from datetime import timedelta

import pytest

from netzwerk.circles.models import CircleMeeting, Minutes
from netzwerk.db import db
from netzwerk.events.models import EventKind, EventState
from netzwerk.mailing.models import ListMessageState
from netzwerk.members.models import EmployerKind, SchoolForm
from netzwerk.topics.models import TopicState
from tests import factories
from tests.reports.support import (
    add_workshop,
    berlin,
    csv_blocks,
    make_list_message,
    make_topic,
    page_tables,
    past_event,
    pdf_lines,
)

REPORT = "/verwaltung/jahresbericht"


@pytest.fixture()
def network(app):
    """Members, schools, events, a circle, topics and list messages, mostly in 2024."""
    land = factories.make_employer(EmployerKind.LAND, "Land NRW")
    awo = factories.make_employer(EmployerKind.FREIER_TRAEGER, "AWO")
    factories.get_group("mpt")  # a Berufsgruppe nobody belongs to: a row with 0
    gs_nord = factories.make_school("GS Nord", SchoolForm.GRUNDSCHULE, "Nord")
    factories.make_school("GS Süd", SchoolForm.GRUNDSCHULE, "Süd")
    gym_nord = factories.make_school("Gymnasium Nord", SchoolForm.GYMNASIUM, "Nord")
    realschule = factories.make_school("Realschule ohne Bezirk", SchoolForm.REALSCHULE, None)

    m1 = factories.make_member(group="schuso", employer=land, schools=[gs_nord])
    m2 = factories.make_member(group="sofa", employer=awo, schools=[gs_nord])
    m3 = factories.make_member(group="schuso", employer=awo, schools=[realschule])
    m4 = factories.make_member(group=None, employer=land)
    factories.make_member(group="schuso", employer=awo, schools=[gym_nord], is_active=False)
    m4.employer = None  # and without a Träger
    db.session.commit()

    # 2024: a Fachtag with check-in (one of three did not come, one cancelled beforehand),
    # a Netzwerktreffen without check-in (one confirmed, one waiting), boundary events.
    past_event(
        berlin(2024, 3, 10, 9, 0),
        members=[m1, m2, m3],
        attended=[m1, m3],
        cancelled=[m4],
        title="Fachtag A",
    )
    treffen = past_event(
        berlin(2024, 6, 1, 15, 0),
        members=[m1, m2],
        capacity=1,
        kind=EventKind.NETZWERKTREFFEN,
        title="Treffen B",
    )
    past_event(berlin(2024, 5, 5, 9, 0), state=EventState.DRAFT, title="Entwurf C", members=[m1])
    past_event(
        berlin(2024, 9, 9, 9, 0), state=EventState.CANCELLED, title="Abgesagt D", members=[m2]
    )
    for start, title in (
        (berlin(2023, 12, 31, 23, 30), "Silvester 2023"),  # 2023 in Berlin
        (berlin(2024, 1, 1, 0, 15), "Neujahr 2024"),  # 2023 in UTC, 2024 in Berlin
        (berlin(2024, 7, 31, 23, 30), "Ende Schuljahr"),
        (berlin(2024, 8, 1, 0, 10), "Beginn Schuljahr"),  # 31 July in UTC
        (berlin(2025, 1, 1, 0, 30), "Neujahr 2025"),  # still 2024 in UTC
    ):
        past_event(start, kind=EventKind.SONSTIGES, title=title)
    past_event(berlin(2025, 2, 1, 9, 0), title="Fachtag E", members=[m3], attended=[m3])

    # A circle founded in 2023, meeting on the 2nd Tuesday monthly from January 2024:
    # twelve meetings in 2024, one skipped, one extra; minutes for two of them.
    circle = factories.make_circle(
        name="QZ Grundschulen",
        moderators=[m1],
        members=[m2],
        rule="FREQ=MONTHLY;BYDAY=2TU",
        start_dt=berlin(2024, 1, 9, 14, 0),
    )
    circle.created_dt = berlin(2023, 11, 1, 10, 0)
    june = berlin(2024, 6, 11, 14, 0)
    db.session.add_all(
        [
            CircleMeeting(
                circle_id=circle.id,
                recurrence_dt=june,
                start_dt=june,
                end_dt=june + timedelta(hours=2),
                is_skipped=True,
            ),
            CircleMeeting(
                circle_id=circle.id,
                start_dt=berlin(2024, 12, 20, 10, 0),
                end_dt=berlin(2024, 12, 20, 12, 0),
            ),
            Minutes(circle_id=circle.id, occurrence_dt=berlin(2024, 1, 9, 14, 0), text="P1"),
            Minutes(circle_id=circle.id, occurrence_dt=berlin(2024, 2, 13, 14, 0), text="P2"),
            Minutes(circle_id=circle.id, occurrence_dt=berlin(2023, 12, 12, 14, 0), text="P0"),
        ]
    )
    later = factories.make_circle(name="QZ Neu 2025", moderators=[m3], rule="")
    later.created_dt = berlin(2025, 3, 1, 10, 0)
    db.session.commit()

    # Topic suggestions received in 2024 (and some that do not count).
    t1 = make_topic(TopicState.SUBMITTED, berlin(2024, 2, 1, 12, 0))
    make_topic(TopicState.IN_REVIEW, berlin(2024, 3, 1, 12, 0))
    make_topic(TopicState.DONE, berlin(2024, 4, 1, 12, 0), workshop_id=add_workshop(treffen).id)
    make_topic(TopicState.DONE, berlin(2024, 5, 1, 12, 0))
    make_topic(TopicState.REJECTED, berlin(2024, 6, 1, 12, 0))
    make_topic(TopicState.SUBMITTED, berlin(2024, 7, 1, 12, 0), merged_into_id=t1.id)
    make_topic(TopicState.UNCONFIRMED, berlin(2024, 8, 1, 12, 0))
    make_topic(TopicState.DONE, berlin(2023, 12, 1, 12, 0))

    newsletter = factories.make_mailing_list(name="Newsletter")
    sofa = factories.make_mailing_list(name="Alle SOFA")
    make_list_message(newsletter, sent=berlin(2024, 5, 5, 10, 0), recipients=10)
    make_list_message(newsletter, sent=berlin(2024, 11, 11, 10, 0), recipients=5)
    make_list_message(newsletter, state=ListMessageState.DRAFT)
    make_list_message(newsletter, sent=berlin(2023, 12, 31, 23, 0), recipients=99)
    make_list_message(sofa, sent=berlin(2024, 2, 2, 10, 0), recipients=3)
    return {"m1": m1, "m4": m4}


# What the data above must give for 2024, computed by hand from how it was built.
EXPECTED_2024 = {
    "Mitglieder nach Berufsgruppe": [
        ["SchuSo", "2"],
        ["SOFA", "1"],
        ["MPT", "0"],
        ["ohne Berufsgruppe", "1"],
        ["Summe", "4"],
    ],
    "Mitglieder nach Art des Trägers": [
        ["Land", "1"],
        ["Kommune", "0"],
        ["Freier Träger", "2"],
        ["ohne Träger", "1"],
        ["Summe", "4"],
    ],
    "Schulen mit und ohne Fachkräfte nach Schulform": [
        ["Grundschule", "1", "2", "1", "50,0"],
        ["Realschule", "1", "1", "0", "100,0"],
        ["Gymnasium", "0", "1", "1", "0,0"],
        ["Alle Schulen", "2", "4", "2", "50,0"],
    ],
    "Schulen mit und ohne Fachkräfte nach Sozialraum": [
        ["Nord", "1", "2", "1", "50,0"],
        ["Süd", "0", "1", "1", "0,0"],
        ["ohne Sozialraum", "1", "1", "0", "100,0"],
        ["Alle Schulen", "2", "4", "2", "50,0"],
    ],
    "Veranstaltungen nach Art": [
        ["Fachtag", "1", "3", "2", "1", "33,3"],
        ["Netzwerktreffen", "1", "1", "0", "0", ""],
        ["Sonstiges", "3", "0", "0", "0", ""],
        ["Alle Veranstaltungen", "5", "4", "2", "1", "33,3"],
    ],
    "Teilnehmende nach Berufsgruppe": [
        ["SchuSo", "3", "2"],
        ["SOFA", "1", "0"],
        ["MPT", "0", "0"],
        ["Summe", "4", "2"],
    ],
    "Qualitätszirkel und ihre Treffen": [
        ["QZ Grundschulen", "12", "2", "2"],
        ["Alle 1 Zirkel", "12", "2", ""],
    ],
    "Themenvorschläge": [
        ["Eingereicht", "1"],
        ["In Prüfung", "1"],
        ["Angenommen", "0"],
        ["Eingeplant", "0"],
        ["Umgesetzt", "2"],
        ["Abgelehnt", "1"],
        ["Zusammengeführt", "1"],
        ["Eingegangen", "6"],
    ],
    "Nachrichten über die Verteiler": [
        ["Alle SOFA", "1", "3"],
        ["Newsletter", "2", "15"],
        ["Summe", "3", "18"],
    ],
}
KEY_FIGURES_2024 = [
    ["Aktive Mitglieder (heute)", "4"],
    ["Schulen mit Fachkräften (heute)", "2 von 4"],
    ["Veranstaltungen", "5"],
    ["Anmeldungen (bestätigt)", "4"],
    ["Teilnahmen (anwesend)", "2"],
    ["No-show-Quote", "33,3"],
    ["Treffen der Qualitätszirkel", "12"],
    ["Themenvorschläge eingegangen", "6"],
    ["Themenvorschläge umgesetzt", "2"],
    ["Nachrichten über die Verteiler", "3"],
]


def _on_page(cells: list[str]) -> list[str]:
    """The CSV's cells as the page writes them: "–" for nothing, " %" after a rate."""
    shown = [cells[0]]
    for cell in cells[1:]:
        shown.append(cell or "–")
    return shown


def test_the_csv_file_holds_every_figure(coordinator_client, network):
    response = coordinator_client.get(f"{REPORT}.csv?zeitraum=jahr&jahr=2024")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="jahresbericht-2024.csv"' in response.headers["Content-Disposition"]
    blocks = csv_blocks(response.data)
    assert blocks["_kopf"][0] == ["Jahresbericht", "2024"]
    assert blocks["_kopf"][1] == ["Zeitraum", "1. Januar 2024 bis 31. Dezember 2024"]
    assert blocks["Kennzahlen"] == KEY_FIGURES_2024
    for title, rows in EXPECTED_2024.items():
        assert blocks[title][1:] == rows, title
    assert blocks["Veranstaltungen nach Art"][0] == [
        "Art",
        "Veranstaltungen",
        "Anmeldungen",
        "Teilnahmen",
        "Nicht erschienen",
        "No-show-Quote (%)",
    ]


def test_the_page_shows_every_figure_in_tables_beside_charts(coordinator_client, network):
    response = coordinator_client.get(f"{REPORT}?zeitraum=jahr&jahr=2024")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    tables = page_tables(html)
    for title, rows in EXPECTED_2024.items():
        table = tables[f"{title}, 2024"]
        shown = [[cell.replace(" %", "").replace(".", "") for cell in r] for r in table[1:]]
        assert shown == [_on_page(r) for r in rows], title
    assert "<dt>Schulen mit Fachkräften (heute)</dt>" in html
    assert "<dd>2 von 4</dd>" in html
    assert "<dd>33,3 %</dd>" in html
    assert "Als Forum auf einer Veranstaltung im Zeitraum: 1." in html


def test_each_chart_is_a_named_image_in_a_figure_with_its_table(coordinator_client, network):
    html = coordinator_client.get(f"{REPORT}?zeitraum=jahr&jahr=2024").get_data(as_text=True)

    figures = html.split("<figure")[1:]
    assert len(figures) == len(EXPECTED_2024)
    for figure in figures:
        figure = figure.split("</figure>")[0]
        assert "<figcaption>" in figure
        assert 'role="img"' in figure and "aria-labelledby=" in figure and "<title " in figure
        assert "<table>" in figure and '<th scope="col"' in figure and '<th scope="row">' in figure
    content = html.split('id="inhalt"')[1]
    assert 'style="' not in content, "no inline styles (CSP)"
    assert "<script" not in content, "charts need no script"


def test_the_pdf_shows_the_figures(coordinator_client, network):
    response = coordinator_client.get(f"{REPORT}.pdf?zeitraum=jahr&jahr=2024")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="jahresbericht-2024.pdf"' in response.headers["Content-Disposition"]
    lines = pdf_lines(response.data)
    assert "Jahresbericht 2024" in lines
    assert "1. Januar 2024 bis 31. Dezember 2024" in lines
    for label, value in KEY_FIGURES_2024:
        shown = value + " %" if label == "No-show-Quote" else value
        assert f"{label} {shown}" in lines, label
    for title, rows in EXPECTED_2024.items():
        assert title in lines
        for row in rows:
            cells = [cell or "–" for cell in row]
            assert " ".join(cells) in lines, (title, row)


def test_a_school_year_runs_from_august_to_july_in_berlin(coordinator_client, network):
    response = coordinator_client.get(f"{REPORT}.csv?zeitraum=schuljahr&jahr=2024")

    assert (
        'filename="jahresbericht-schuljahr-2024-25.csv"' in response.headers["Content-Disposition"]
    )
    blocks = csv_blocks(response.data)
    assert blocks["_kopf"][0] == ["Jahresbericht", "Schuljahr 2024/25"]
    assert blocks["_kopf"][1] == ["Zeitraum", "1. August 2024 bis 31. Juli 2025"]
    # "Beginn Schuljahr" and "Neujahr 2025" (Sonstiges), "Fachtag E" with its one participant.
    assert blocks["Veranstaltungen nach Art"][1:] == [
        ["Fachtag", "1", "1", "1", "0", "0,0"],
        ["Sonstiges", "2", "0", "0", "0", ""],
        ["Alle Veranstaltungen", "3", "1", "1", "0", "0,0"],
    ]
    # 2nd Tuesdays from August 2024 to July 2025, and the extra meeting in December.
    assert blocks["Qualitätszirkel und ihre Treffen"][1] == ["QZ Grundschulen", "13", "0", "2"]
    # "QZ Neu 2025" was founded in the school year, so it appears, with no meetings.
    assert blocks["Qualitätszirkel und ihre Treffen"][2][:3] == ["QZ Neu 2025", "0", "0"]
    assert blocks["Nachrichten über die Verteiler"][1:] == [
        ["Newsletter", "1", "5"],
        ["Summe", "1", "5"],
    ]


def test_the_calendar_year_cuts_at_midnight_in_berlin(coordinator_client, network):
    blocks_2023 = csv_blocks(coordinator_client.get(f"{REPORT}.csv?jahr=2023").data)
    assert blocks_2023["Veranstaltungen nach Art"][1:] == [
        ["Sonstiges", "1", "0", "0", "0", ""],  # Silvester 2023, not Neujahr 2024
        ["Alle Veranstaltungen", "1", "0", "0", "0", ""],
    ]
    assert blocks_2023["Nachrichten über die Verteiler"][1:] == [
        ["Newsletter", "1", "99"],
        ["Summe", "1", "99"],
    ]
    assert ["Umgesetzt", "1"] in blocks_2023["Themenvorschläge"]


def test_an_empty_period_says_so_and_still_exports(coordinator_client, network):
    page = coordinator_client.get(f"{REPORT}?jahr=2010")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Keine Daten im Zeitraum." in html
    blocks = csv_blocks(coordinator_client.get(f"{REPORT}.csv?jahr=2010").data)
    assert blocks["Veranstaltungen nach Art"][1:] == [
        ["Alle Veranstaltungen", "0", "0", "0", "0", ""]
    ]
    assert coordinator_client.get(f"{REPORT}.pdf?jahr=2010").status_code == 200


def test_the_running_year_is_the_default_and_marked_as_interim(coordinator_client, app):
    from netzwerk.core.timeutil import berlin_today

    html = coordinator_client.get(REPORT).get_data(as_text=True)
    year = berlin_today().year
    assert f"<h1>Jahresbericht {year}</h1>" in html
    assert "Zwischenstand" in html
    assert f'href="/verwaltung/jahresbericht.csv?zeitraum=jahr&amp;jahr={year}"' in html
    assert f'href="/verwaltung/jahresbericht.pdf?zeitraum=jahr&amp;jahr={year}"' in html
