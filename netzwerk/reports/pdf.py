"""The yearly report as a PDF: the key figures, then each section's chart and table.

Uses the event documents' A4 page (vendored DejaVu Sans, German metadata, page numbers),
so text stays extractable for searching, copying and screen readers. The bars are drawn
with the same colours and scale rules as the page's SVG charts.
"""

from __future__ import annotations

from fpdf import FontFace

from netzwerk.core.templating import datetime_de
from netzwerk.events.pdf import FONT, GREY, Document
from netzwerk.reports import svg
from netzwerk.reports.report import PERCENT, Report, Section, cell_text

CONTENT_WIDTH = 180
LABEL_WIDTH = 55
BAR_ROOM = 95
BAR_HEIGHT = 3.4
HEADINGS = FontFace(emphasis="BOLD", fill_color=(232, 232, 232))


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _ensure_room(pdf: Document, height: float) -> None:
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _label(pdf: Document, y: float, text: str) -> None:
    pdf.set_font(FONT, size=8)
    pdf.set_xy(pdf.l_margin, y)
    label = text if len(text) <= 38 else text[:37] + "…"
    pdf.cell(LABEL_WIDTH - 2, BAR_HEIGHT, label, align="R")


def _value(pdf: Document, x: float, y: float, text: str) -> None:
    pdf.set_font(FONT, size=8)
    pdf.set_xy(x + 1.5, y)
    pdf.cell(28, BAR_HEIGHT, text)


def _legend(pdf: Document, entries: list[tuple[str, str, bool]]) -> None:
    x = pdf.l_margin + LABEL_WIDTH
    y = pdf.get_y()
    pdf.set_font(FONT, size=8)
    for name, colour, outlined in entries:
        pdf.set_fill_color(*_rgb(colour))
        pdf.set_draw_color(*_rgb(svg.TRACK_STROKE))
        pdf.rect(x, y + 0.3, 3, 3, style="DF" if outlined else "F")
        pdf.set_xy(x + 4, y)
        pdf.cell(pdf.get_string_width(name) + 2, 3.6, name)
        x += pdf.get_string_width(name) + 10
    pdf.set_y(y + 5.5)


def _bars(pdf: Document, section: Section) -> None:
    columns = section.chart.columns
    colours = svg.SERIES_COLOURS
    if len(columns) > 1:
        _legend(
            pdf,
            [
                (section.columns[c].heading, colours[i % len(colours)], False)
                for i, c in enumerate(columns)
            ],
        )
    largest = max((row.values[c] or 0 for row in section.rows for c in columns), default=0)
    scale = BAR_ROOM / largest if largest else 0
    for row in section.rows:
        group_height = len(columns) * BAR_HEIGHT + 1.6
        _ensure_room(pdf, group_height)
        top = pdf.get_y()
        _label(pdf, top + (len(columns) - 1) * BAR_HEIGHT / 2, row.label)
        for i, c in enumerate(columns):
            value = row.values[c] or 0
            y = top + i * BAR_HEIGHT
            x = pdf.l_margin + LABEL_WIDTH
            if value:
                pdf.set_fill_color(*_rgb(colours[i % len(colours)]))
                pdf.rect(x, y + 0.3, value * scale, BAR_HEIGHT - 0.6, style="F")
            _value(pdf, x + value * scale, y, svg.number_de(value))
        pdf.set_y(top + group_height)


def _shares(pdf: Document, section: Section) -> None:
    part_column, whole_column = section.chart.columns
    _legend(
        pdf,
        [
            (section.columns[part_column].heading, svg.SERIES_COLOURS[0], False),
            ("insgesamt", svg.TRACK_FILL, True),
        ],
    )
    largest = max((row.values[whole_column] or 0 for row in section.rows), default=0)
    scale = BAR_ROOM / largest if largest else 0
    for row in section.rows:
        _ensure_room(pdf, BAR_HEIGHT + 1.6)
        y = pdf.get_y()
        part, whole = row.values[part_column] or 0, row.values[whole_column] or 0
        x = pdf.l_margin + LABEL_WIDTH
        _label(pdf, y, row.label)
        pdf.set_draw_color(*_rgb(svg.TRACK_STROKE))
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(x, y + 0.3, whole * scale, BAR_HEIGHT - 0.6, style="DF")
        if part:
            pdf.set_fill_color(*_rgb(svg.SERIES_COLOURS[0]))
            pdf.rect(x, y + 0.3, part * scale, BAR_HEIGHT - 0.6, style="F")
        _value(pdf, x + whole * scale, y, f"{svg.number_de(part)} von {svg.number_de(whole)}")
        pdf.set_y(y + BAR_HEIGHT + 1.6)


def _plain(pdf: Document) -> None:
    """Back to black text, white fill and light rules after drawing bars."""
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(*_rgb(svg.TRACK_STROKE))
    pdf.set_text_color(0)


def _table(pdf: Document, section: Section) -> None:
    _plain(pdf)
    count = len(section.columns)
    number_width = min(26 if count > 2 else 40, (CONTENT_WIDTH - 60) / count)
    widths = [CONTENT_WIDTH - number_width * count] + [number_width] * count
    headings = [section.label_heading] + [
        f"{c.heading} (%)" if c.kind == PERCENT else c.heading for c in section.columns
    ]
    pdf.set_font(FONT, size=8)
    with pdf.table(
        col_widths=widths,
        width=CONTENT_WIDTH,
        text_align=("LEFT", *("RIGHT",) * count),
        line_height=4,
        padding=1,
        headings_style=HEADINGS,
        repeat_headings=1,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        table.row(headings)
        rows = list(section.rows) + ([section.total] if section.total else [])
        for index, row in enumerate(rows):
            is_total = section.total is not None and index == len(rows) - 1
            style = FontFace(emphasis="BOLD") if is_total else None
            cells = table.row(style=style)
            cells.cell(row.label)
            for column, value in zip(section.columns, row.values, strict=True):
                cells.cell(cell_text(value, column.kind, unit=False))


def _section(pdf: Document, section: Section) -> None:
    _ensure_room(pdf, 30)
    pdf.ln(3)
    pdf.text_line(section.title, 12, bold=True, h=6)
    pdf.ln(1)
    if section.rows and section.chart is not None:
        if section.chart.kind == "share":
            _shares(pdf, section)
        else:
            _bars(pdf, section)
        pdf.ln(1)
    elif not section.rows:
        pdf.text_line("Keine Daten im Zeitraum.", 9)
    _table(pdf, section)
    if section.note:
        pdf.set_text_color(*GREY)
        pdf.text_line(section.note, 7.5, h=3.6)
        pdf.set_text_color(0)


def report_pdf(report: Report) -> bytes:
    period = report.period
    pdf = Document(
        f"Jahresbericht – {period.label}", running_head=f"Jahresbericht · {period.label}"
    )
    pdf.add_page()
    pdf.set_text_color(*GREY)
    pdf.text_line(pdf.office_name, 9)
    pdf.set_text_color(0)
    pdf.ln(2)
    pdf.text_line(f"Jahresbericht {period.label}", 18, bold=True, h=9)
    pdf.text_line(period.span, 11, h=6)
    stand = f"Erstellt am {datetime_de(report.now, 'short')} Uhr"
    if report.is_running:
        stand += " – der Zeitraum läuft noch, die Zahlen sind ein Zwischenstand"
    pdf.set_text_color(*GREY)
    pdf.text_line(stand + ".", 8.5)
    pdf.set_text_color(0)
    pdf.ln(3)

    pdf.text_line("Kennzahlen", 12, bold=True, h=6)
    pdf.ln(1)
    _plain(pdf)
    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=(120, 60),
        width=CONTENT_WIDTH,
        text_align=("LEFT", "RIGHT"),
        line_height=4.5,
        padding=1,
        first_row_as_headings=False,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        for figure in report.key_figures:
            row = table.row()
            row.cell(figure.label)
            row.cell(figure.text)
    for section in report.sections:
        _section(pdf, section)
    return pdf.to_bytes()
