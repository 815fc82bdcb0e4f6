"""Printed documents for an event: sign-in sheet, name badges, attendance certificates.

DejaVu Sans is vendored in static/fonts so umlauts and „quotes“ render on any machine;
an embedded TrueType font also keeps the text extractable (copy, search, screen readers).
"""

from __future__ import annotations

import math
from pathlib import Path

from flask import Response, current_app
from fpdf import FPDF, FontFace

from netzwerk.core.templating import date_de, datetime_de
from netzwerk.core.timeutil import utc_to_berlin
from netzwerk.events.desk_operations import assigned_workshops
from netzwerk.events.models import Event, Registration

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVuSans"
GREY = (90, 90, 90)
LIGHT = (190, 190, 190)


class Document(FPDF):
    """A4 portrait in German with the vendored font; page numbers when footer_numbers."""

    def __init__(self, title: str, *, running_head: str = "", footer_numbers: bool = True):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_font(FONT, size=10)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.office_name = current_app.config["OFFICE_NAME"]
        self.set_title(title)
        self.set_author(self.office_name)
        self.set_creator(current_app.config["SITE_NAME"])
        self.set_lang("de-DE")
        self.running_head = running_head
        self.footer_numbers = footer_numbers

    def header(self):
        if self.running_head and self.page_no() > 1:
            self.set_font(FONT, size=8)
            self.set_text_color(*GREY)
            self.cell(0, 5, self.running_head, new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0)
            self.ln(3)

    def footer(self):
        if not self.footer_numbers:
            return
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"Seite {self.page_no()} von {{nb}}", align="C")
        self.set_text_color(0)

    def text_line(self, text: str, size: float = 10, *, bold: bool = False, align="L", h=None):
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, h or size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")

    def to_bytes(self) -> bytes:
        return bytes(self.output())


# --- facts about the event, in German --------------------------------------------


def event_when(event: Event) -> str:
    start, end = utc_to_berlin(event.start_dt), utc_to_berlin(event.end_dt)
    if start.date() == end.date():
        return (
            f"{date_de(event.start_dt, 'weekday')}, "
            f"{datetime_de(event.start_dt, 'time')} bis {datetime_de(event.end_dt, 'time')} Uhr"
        )
    return f"{datetime_de(event.start_dt)} bis {datetime_de(event.end_dt)}"


def event_dates(event: Event) -> str:
    """ "am 12. Mai 2026" or "vom 12. Mai 2026 bis 13. Mai 2026": for certificates."""
    start, end = utc_to_berlin(event.start_dt), utc_to_berlin(event.end_dt)
    if start.date() == end.date():
        return f"am {date_de(event.start_dt)}"
    return f"vom {date_de(event.start_dt)} bis {date_de(event.end_dt)}"


def event_place(event: Event) -> str:
    parts = [part for part in (event.venue, event.address) if part]
    place = ", ".join(parts)
    if event.online_url:
        place = f"{place} und online" if place else "Online"
    return place


def certificate_hours(event: Event) -> float:
    """What the coordinator set, else the time from start to end, in half hours.

    Several days count the daily window (e.g. 9 to 16 Uhr) once per day, not the nights.
    """
    if event.certificate_hours is not None:
        return float(event.certificate_hours)
    start, end = utc_to_berlin(event.start_dt), utc_to_berlin(event.end_dt)
    hours = (end - start).total_seconds() / 3600
    days = (end.date() - start.date()).days + 1
    if days > 1:
        daily = (
            end.hour * 60 + end.minute - (start.hour * 60 + start.minute)
        ) / 60  # e.g. 16:00 - 09:00
        if daily > 0:
            hours = days * daily
    return math.floor(hours * 2 + 0.5) / 2


def hours_text(hours: float) -> str:
    number = f"{hours:g}".replace(".", ",")
    return f"{number} Stunde" if hours == 1 else f"{number} Stunden"


def _workshop_titles(registration: Registration) -> str:
    return "\n".join(w.title for w in assigned_workshops(registration))


def _affiliation(registration: Registration) -> str:
    return "\n".join(
        part for part in (registration.employer_name, registration.school_name) if part
    )


# --- sign-in sheet -------------------------------------------------------------------


def sign_in_sheet(event: Event, registrations: list[Registration]) -> bytes:
    """Unterschriftenliste: one numbered row per participant, the header row on every page."""
    with_workshops = bool(event.workshops)
    pdf = Document(
        f"Unterschriftenliste – {event.title}",
        running_head=f"Unterschriftenliste · {event.title} · {date_de(event.start_dt, 'short')}",
    )
    pdf.add_page()
    pdf.set_text_color(*GREY)
    pdf.text_line(pdf.office_name, 9)
    pdf.set_text_color(0)
    pdf.ln(2)
    pdf.text_line("Unterschriftenliste", 18, bold=True, h=9)
    pdf.text_line(event.title, 13, bold=True, h=7)
    pdf.ln(1)
    pdf.text_line(f"{event.kind.label} · {event_when(event)}", 10)
    if place := event_place(event):
        pdf.text_line(f"Ort: {place}", 10)
    pdf.text_line(f"{len(registrations)} angemeldete Teilnehmende", 10)
    pdf.ln(4)

    headings = ["Nr.", "Name", "Träger / Schule"]
    widths = [10, 46, 46 if with_workshops else 64]
    if with_workshops:
        headings.append("Workshop(s)")
        widths.append(36)
    headings.append("Unterschrift")
    widths.append(180 - sum(widths))

    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=widths,
        width=180,
        text_align="LEFT",
        v_align="MIDDLE",
        line_height=4.5,
        min_row_height=11,
        padding=1.5,
        headings_style=FontFace(emphasis="BOLD", fill_color=(232, 232, 232)),
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for number, registration in enumerate(registrations, start=1):
            row = table.row()
            row.cell(str(number))
            row.cell(f"{registration.last_name}, {registration.first_name}")
            row.cell(_affiliation(registration))
            if with_workshops:
                row.cell(_workshop_titles(registration))
            row.cell("")
    return pdf.to_bytes()


# --- name badges ---------------------------------------------------------------------

BADGE_W, BADGE_H = 105, 297 / 4


def _fitting_size(pdf: Document, text: str, width: float, largest: float, smallest: float):
    size = largest
    pdf.set_font(FONT, "B", size)
    while size > smallest and pdf.get_string_width(text) > width:
        size -= 1
        pdf.set_font(FONT, "B", size)
    return size


def name_badges(event: Event, registrations: list[Registration]) -> bytes:
    """Namensschilder: 2 × 4 per A4 page with thin cutting lines."""
    pdf = Document(f"Namensschilder – {event.title}", footer_numbers=False)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    inner = BADGE_W - 16
    for index, registration in enumerate(registrations):
        if index % 8 == 0:
            pdf.add_page()
            pdf.set_draw_color(*LIGHT)
            pdf.line(BADGE_W, 0, BADGE_W, 297)
            for row in range(1, 4):
                pdf.line(0, row * BADGE_H, 210, row * BADGE_H)
            pdf.set_draw_color(0)
        x = (index % 2) * BADGE_W + 8
        y = ((index % 8) // 2) * BADGE_H
        pdf.set_y(y + 14)
        for text, largest in ((registration.first_name, 22), (registration.last_name, 16)):
            size = _fitting_size(pdf, text, inner - 2 * pdf.c_margin - 1, largest, 10)
            pdf.set_x(x)
            pdf.multi_cell(inner, size * 0.5, text, align="C")
        pdf.ln(2)
        pdf.set_font(FONT, "", 10)
        pdf.set_x(x)
        affiliation = " · ".join(
            p for p in (registration.employer_name, registration.school_name) if p
        )
        pdf.multi_cell(inner, 5, affiliation, align="C", max_line_height=5)
        pdf.set_font(FONT, "", 8)
        pdf.set_text_color(*GREY)
        pdf.set_xy(x, y + BADGE_H - 14)
        pdf.multi_cell(inner, 4, event.title, align="C")
        pdf.set_text_color(0)
    if not registrations:
        pdf.add_page()
    return pdf.to_bytes()


# --- attendance certificates -------------------------------------------------------


def _certificate_page(pdf: Document, event: Event, registration: Registration) -> None:
    pdf.add_page()
    pdf.set_text_color(*GREY)
    pdf.text_line(pdf.office_name, 10, align="R")
    pdf.set_text_color(0)
    pdf.set_y(55)
    pdf.text_line("Teilnahmebescheinigung", 24, bold=True, align="C", h=12)
    pdf.ln(10)
    pdf.text_line("Hiermit wird bestätigt, dass", 12, align="C", h=7)
    pdf.ln(2)
    pdf.text_line(f"{registration.first_name} {registration.last_name}", 18, bold=True, align="C")
    pdf.ln(2)
    pdf.text_line(
        f"{event_dates(event)} an der folgenden Veranstaltung teilgenommen hat:",
        12,
        align="C",
        h=7,
    )
    pdf.ln(4)
    pdf.text_line(event.title, 15, bold=True, align="C", h=8)
    pdf.text_line(event.kind.label, 11, align="C", h=6)
    pdf.ln(10)

    facts = [
        ("Datum", event_when(event)),
        ("Umfang", hours_text(certificate_hours(event))),
    ]
    if place := event_place(event):
        facts.append(("Ort", place))
    facts.append(("Veranstalter", pdf.office_name))
    for label, value in facts:
        pdf.set_font(FONT, "B", 11)
        pdf.cell(40, 6.5, f"{label}:")
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(0, 6.5, value, new_x="LMARGIN", new_y="NEXT")

    workshops = assigned_workshops(registration)
    if workshops:
        pdf.ln(4)
        pdf.text_line("Themen / besuchte Workshops:", 11, bold=True, h=6.5)
        for workshop in workshops:
            line = f"• {workshop.title}"
            if workshop.facilitator:
                line += f" (Leitung: {workshop.facilitator})"
            pdf.set_x(pdf.l_margin + 4)
            pdf.set_font(FONT, "", 11)
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")

    _signature_lines(pdf, date_de(event.end_dt))


def _signature_lines(pdf: Document, day: str) -> None:
    top = max(pdf.get_y() + 20, 235)
    left, right, width = pdf.l_margin, 115, 80
    pdf.set_font(FONT, "", 11)
    pdf.set_xy(left, top - 7)
    pdf.cell(width, 6, day)
    pdf.set_draw_color(0)
    pdf.line(left, top, left + 70, top)
    pdf.line(right, top, right + width, top)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*GREY)
    pdf.set_xy(left, top + 1)
    pdf.cell(70, 5, "Datum")
    pdf.set_xy(right, top + 1)
    pdf.multi_cell(width, 5, f"Unterschrift\n{pdf.office_name}")
    pdf.set_text_color(0)


def certificates(event: Event, registrations: list[Registration]) -> bytes:
    """Teilnahmebescheinigungen: one page per attended participant, in one file."""
    title = "Teilnahmebescheinigung" if len(registrations) == 1 else "Teilnahmebescheinigungen"
    pdf = Document(f"{title} – {event.title}", footer_numbers=False)
    for registration in registrations:
        _certificate_page(pdf, event, registration)
    return pdf.to_bytes()


def pdf_response(content: bytes, filename: str) -> Response:
    """Shown in the browser (phones open it directly); never cached, it holds personal data."""
    return Response(
        content,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
