"""The yearly report as a CSV file Excel opens directly: UTF-8 with BOM, semicolons, CRLF
(the writer of the members export), one block per section as on the page: the title, the
header row, the rows, the total, a note, then an empty line. Numbers are written the way
a German Excel reads them as numbers: "1234", "12,5".
"""

from __future__ import annotations

from dataclasses import dataclass

from netzwerk.core.templating import datetime_de
from netzwerk.members.transfer_csv import write_csv
from netzwerk.reports.report import PERCENT, Column, Report, Row, Section, csv_text


@dataclass(frozen=True)
class CsvReport:
    filename: str
    content: str


def _heading(column: Column) -> str:
    return f"{column.heading} (%)" if column.kind == PERCENT else column.heading


def _cells(section: Section, row: Row) -> list[str]:
    return [
        row.label,
        *(
            csv_text(value, column.kind)
            for column, value in zip(section.columns, row.values, strict=True)
        ),
    ]


def report_rows(report: Report) -> list[list[str]]:
    rows: list[list[str]] = [
        ["Zeitraum", f"{report.period.span}"],
        ["Erstellt am", f"{datetime_de(report.now, 'short')} Uhr"],
        [],
        ["Kennzahlen"],
    ]
    rows += [[figure.label, figure.csv] for figure in report.key_figures]
    for section in report.sections:
        rows += [[], [section.title], [section.label_heading, *map(_heading, section.columns)]]
        rows += [_cells(section, row) for row in section.rows]
        if section.total is not None:
            rows.append(_cells(section, section.total))
        if section.note:
            rows.append([f"Hinweis: {section.note}"])
    return rows


def report_csv(report: Report) -> CsvReport:
    return CsvReport(
        filename=f"jahresbericht-{report.period.slug}.csv",
        content=write_csv(["Jahresbericht", report.period.label], report_rows(report)),
    )
