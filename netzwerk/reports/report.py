"""The yearly report (Jahresbericht): a period, and the figures as labelled tables.

The page, the CSV file and the PDF all show the same Report: key figures, then sections,
each a table (rows, a total) with the chart drawn from it. Members and schools are the
present state, since the data keeps no history of who worked where; everything else
counts what happened in the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from markupsafe import Markup

from netzwerk.core.templating import date_de
from netzwerk.core.timeutil import combine_berlin
from netzwerk.events.models import EventKind
from netzwerk.members.models import EMPLOYER_KIND_LABELS, EmployerKind, SchoolForm
from netzwerk.reports import queries, svg
from netzwerk.topics.models import MERGED_LABEL

MIN_YEAR = 2000
CALENDAR_YEAR = "jahr"
SCHOOL_YEAR = "schuljahr"
PERIOD_KINDS = {CALENDAR_YEAR: "Kalenderjahr", SCHOOL_YEAR: "Schuljahr (1. August bis 31. Juli)"}
SCHOOL_YEAR_START_MONTH = 8


def max_year(today: date) -> int:
    return today.year + 1


# --- the period ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar year, or a school year from 1 August of `year` to 31 July after it."""

    kind: str
    year: int

    @classmethod
    def current(cls, kind: str, today: date) -> Period:
        if kind == SCHOOL_YEAR:
            start_year = today.year if today.month >= SCHOOL_YEAR_START_MONTH else today.year - 1
            return cls(SCHOOL_YEAR, start_year)
        return cls(CALENDAR_YEAR, today.year)

    @property
    def first_day(self) -> date:
        if self.kind == SCHOOL_YEAR:
            return date(self.year, SCHOOL_YEAR_START_MONTH, 1)
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        if self.kind == SCHOOL_YEAR:
            return date(self.year + 1, SCHOOL_YEAR_START_MONTH, 1) - timedelta(days=1)
        return date(self.year, 12, 31)

    @property
    def start(self) -> datetime:
        """Midnight in Berlin at the first day, as UTC."""
        return combine_berlin(self.first_day)

    @property
    def end(self) -> datetime:
        """Midnight in Berlin after the last day, as UTC (exclusive)."""
        return combine_berlin(self.last_day + timedelta(days=1))

    @property
    def label(self) -> str:
        if self.kind == SCHOOL_YEAR:
            return f"Schuljahr {self.year}/{(self.year + 1) % 100:02d}"
        return str(self.year)

    @property
    def span(self) -> str:
        return f"{date_de(self.first_day)} bis {date_de(self.last_day)}"

    @property
    def slug(self) -> str:
        if self.kind == SCHOOL_YEAR:
            return f"schuljahr-{self.year}-{(self.year + 1) % 100:02d}"
        return str(self.year)


# --- tables --------------------------------------------------------------------------------

COUNT = "count"
PERCENT = "percent"


@dataclass(frozen=True)
class Column:
    heading: str
    kind: str = COUNT


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[int | float | None, ...]


@dataclass(frozen=True)
class Chart:
    kind: str  # "bars": one bar per column listed; "share": columns (part, whole)
    columns: tuple[int, ...]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    label_heading: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    chart: Chart | None = None
    note: str = ""

    def chart_svg(self) -> Markup:
        if self.chart is None:
            return Markup("")
        chart_id = f"diagramm-{self.key}"
        if self.chart.kind == "share":
            part, whole = self.chart.columns
            rows = [(row.label, row.values[part] or 0, row.values[whole] or 0) for row in self.rows]
            return svg.share_chart(chart_id, self.title, rows, part_name=self.columns[part].heading)
        series = [
            svg.Series(
                self.columns[index].heading,
                tuple(row.values[index] or 0 for row in self.rows),
            )
            for index in self.chart.columns
        ]
        return svg.bar_chart(chart_id, self.title, [row.label for row in self.rows], series)


def cell_text(value: int | float | None, kind: str = COUNT, *, unit: bool = True) -> str:
    """A table cell in German: "1.234", "12,5 %" ("12,5" without unit, for CSV)."""
    if value is None:
        return "–"
    if kind == PERCENT:
        number = f"{value:.1f}".replace(".", ",")
        return f"{number} %" if unit else number
    return svg.number_de(value)


def csv_text(value: int | float | None, kind: str = COUNT) -> str:
    """A cell as a German Excel reads it as a number: "1234", "12,5"; empty for none."""
    if value is None:
        return ""
    if kind == PERCENT:
        return f"{value:.1f}".replace(".", ",")
    return str(int(value))


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: int | float | None
    kind: str = COUNT
    of: int | None = None  # "value von of", e.g. schools with professionals of all schools

    @property
    def text(self) -> str:
        if self.of is not None:
            return f"{cell_text(self.value)} von {cell_text(self.of)}"
        return cell_text(self.value, self.kind)

    @property
    def csv(self) -> str:
        if self.of is not None:
            return f"{csv_text(self.value)} von {csv_text(self.of)}"
        return csv_text(self.value, self.kind)


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


@dataclass(frozen=True)
class Report:
    period: Period
    now: datetime
    key_figures: tuple[KeyFigure, ...]
    sections: tuple[Section, ...]

    @property
    def is_running(self) -> bool:
        return self.now < self.period.end

    @property
    def has_not_begun(self) -> bool:
        return self.now < self.period.start


# --- the sections -----------------------------------------------------------------------

TODAY_NOTE = (
    "Stand heute: aktive Mitglieder und ihre Einsatzschulen. Die Plattform führt keinen "
    "Verlauf, daher zeigt jeder Zeitraum den aktuellen Stand."
)


def _by_group(
    groups: list[tuple[int, str]], counts: dict, columns: int, none_label: str
) -> list[Row]:
    zero = (0,) * columns
    rows = [Row(name, tuple(_as_tuple(counts.get(group_id, zero)))) for group_id, name in groups]
    if None in counts:
        rows.append(Row(none_label, tuple(_as_tuple(counts[None]))))
    return rows


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _total(rows: list[Row], width: int, label: str = "Summe") -> Row:
    return Row(label, tuple(sum(row.values[i] or 0 for row in rows) for i in range(width)))


def _members_sections(groups) -> tuple[Section, Section]:
    by_group = _by_group(groups, queries.active_members_by_group(), 1, "ohne Berufsgruppe")
    kinds = queries.active_members_by_employer_kind()
    by_kind = [Row(EMPLOYER_KIND_LABELS[kind], (kinds.get(kind, 0),)) for kind in EmployerKind]
    if None in kinds:
        by_kind.append(Row("ohne Träger", (kinds[None],)))
    members = (Column("Aktive Mitglieder"),)
    return (
        Section(
            "mitglieder-berufsgruppe",
            "Mitglieder nach Berufsgruppe",
            "Berufsgruppe",
            members,
            tuple(by_group),
            _total(by_group, 1),
            Chart("bars", (0,)),
            TODAY_NOTE,
        ),
        Section(
            "mitglieder-traeger",
            "Mitglieder nach Art des Trägers",
            "Träger",
            members,
            tuple(by_kind),
            _total(by_kind, 1),
            Chart("bars", (0,)),
            TODAY_NOTE,
        ),
    )


SCHOOL_COLUMNS = (
    Column("Schulen mit Fachkräften"),
    Column("Schulen insgesamt"),
    Column("ohne Fachkraft"),
    Column("Anteil mit Fachkräften", PERCENT),
)


def _school_row(label: str, covered: int, total: int) -> Row:
    return Row(label, (covered, total, total - covered, _percent(covered, total)))


def _school_total(rows: list[Row]) -> Row:
    covered = sum(row.values[0] for row in rows)
    total = sum(row.values[1] for row in rows)
    return _school_row("Alle Schulen", covered, total)


def _schools_sections() -> tuple[Section, Section]:
    forms = queries.schools_by_form()
    by_form = [_school_row(form.label, *forms[form]) for form in SchoolForm if form in forms]
    districts = queries.schools_by_district()
    names = sorted((name for name in districts if name is not None), key=str.casefold)
    by_district = [_school_row(name, *districts[name]) for name in names]
    if None in districts:
        by_district.append(_school_row("ohne Sozialraum", *districts[None]))
    note = (
        "Stand heute: „N von M Schulen“ – Schulen, an denen mindestens eine aktive Fachkraft "
        "arbeitet."
    )
    return (
        Section(
            "schulen-schulform",
            "Schulen mit und ohne Fachkräfte nach Schulform",
            "Schulform",
            SCHOOL_COLUMNS,
            tuple(by_form),
            _school_total(by_form),
            Chart("share", (0, 1)),
            note,
        ),
        Section(
            "schulen-sozialraum",
            "Schulen mit und ohne Fachkräfte nach Sozialraum",
            "Sozialraum",
            SCHOOL_COLUMNS,
            tuple(by_district),
            _school_total(by_district),
            Chart("share", (0, 1)),
            note,
        ),
    )


EVENT_COLUMNS = (
    Column("Veranstaltungen"),
    Column("Anmeldungen"),
    Column("Teilnahmen"),
    Column("Nicht erschienen"),
    Column("No-show-Quote", PERCENT),
)


def _event_row(label: str, figures: queries.EventFigures) -> Row:
    return Row(
        label,
        (
            figures.events,
            figures.registrations,
            figures.attended,
            figures.no_shows,
            figures.no_show_rate,
        ),
    )


def _events_section(period: Period, now: datetime) -> tuple[Section, queries.EventFigures]:
    kinds = queries.events_by_kind(period.start, period.end, now)
    rows = [_event_row(kind.label, kinds[kind]) for kind in EventKind if kind in kinds]
    total = queries.EventFigures(
        None,  # all kinds together
        *(sum(getattr(f, name) for f in kinds.values()) for name in _EVENT_SUMS),
    )
    section = Section(
        "veranstaltungen-art",
        "Veranstaltungen nach Art",
        "Art",
        EVENT_COLUMNS,
        tuple(rows),
        _event_row("Alle Veranstaltungen", total),
        Chart("bars", (1, 2)),
        "Veröffentlichte Veranstaltungen, die im Zeitraum begannen (ohne Entwürfe und "
        "abgesagte). Anmeldungen: bestätigte Plätze; Teilnahmen: beim Check-in als anwesend "
        "erfasst. Nicht erschienen und No-show-Quote zählen nur vergangene Veranstaltungen, "
        "bei denen die Anwesenheit erfasst wurde.",
    )
    return section, total


_EVENT_SUMS = (
    "events",
    "registrations",
    "attended",
    "recorded_registrations",
    "recorded_attended",
)


def _participants_section(groups, period: Period) -> Section:
    counts = queries.participants_by_group(period.start, period.end)
    rows = _by_group(groups, counts, 2, "ohne Berufsgruppe (z. B. Gäste)")
    return Section(
        "teilnehmende-berufsgruppe",
        "Teilnehmende nach Berufsgruppe",
        "Berufsgruppe",
        (Column("Anmeldungen"), Column("Teilnahmen")),
        tuple(rows),
        _total(rows, 2),
        Chart("bars", (0, 1)),
        "Bestätigte Anmeldungen und erfasste Teilnahmen an den Veranstaltungen des "
        "Zeitraums, nach der Berufsgruppe bei der Anmeldung.",
    )


def _circles_section(period: Period, now: datetime) -> Section:
    circles = queries.circles_in_period(period.start, period.end, now)
    rows = [Row(c.name, (c.meetings, c.minutes, c.members)) for c in circles]
    meetings = sum(c.meetings for c in circles)
    minutes = sum(c.minutes for c in circles)
    return Section(
        "qualitaetszirkel",
        "Qualitätszirkel und ihre Treffen",
        "Qualitätszirkel",
        (Column("Treffen"), Column("Protokolle"), Column("Mitglieder heute")),
        tuple(rows),
        Row(f"Alle {len(circles)} Zirkel", (meetings, minutes, None)),
        Chart("bars", (0, 1)),
        "Treffen im Zeitraum bis heute nach Terminplan und Änderungen, ohne ausgefallene; "
        "Protokolle zu Treffen im Zeitraum.",
    )


def _topics_section(period: Period) -> tuple[Section, queries.TopicFigures]:
    figures = queries.topics_in_period(period.start, period.end)
    rows = [Row(state.label, (n,)) for state, n in figures.by_state.items()]
    rows.append(Row(MERGED_LABEL, (figures.merged,)))
    section = Section(
        "themenvorschlaege",
        "Themenvorschläge",
        "Stand heute",
        (Column("Vorschläge"),),
        tuple(rows),
        Row("Eingegangen", (figures.received,)),
        Chart("bars", (0,)),
        f"Im Zeitraum eingegangene (bestätigte) Vorschläge nach ihrem heutigen Stand; "
        f"umgesetzt: {figures.realised}. Als Forum auf einer Veranstaltung im Zeitraum: "
        f"{figures.at_events}.",
    )
    return section, figures


def _lists_section(period: Period) -> Section:
    lists = queries.list_messages_in_period(period.start, period.end)
    rows = [Row(item.name, (item.messages, item.recipients)) for item in lists]
    return Section(
        "verteiler",
        "Nachrichten über die Verteiler",
        "Verteiler",
        (Column("Nachrichten"), Column("Empfänger")),
        tuple(rows),
        _total(rows, 2),
        Chart("bars", (0,)),
        "Versandte Nachrichten; Empfänger: die Zahl der Mails, in denen sie hinausgingen.",
    )


def build_report(period: Period, now: datetime) -> Report:
    groups = queries.professional_groups()
    members_by_group, members_by_kind = _members_sections(groups)
    by_form, by_district = _schools_sections()
    events, event_total = _events_section(period, now)
    participants = _participants_section(groups, period)
    circles = _circles_section(period, now)
    topics, topic_figures = _topics_section(period)
    lists = _lists_section(period)
    schools = by_form.total.values
    key_figures = (
        KeyFigure("Aktive Mitglieder (heute)", members_by_group.total.values[0]),
        KeyFigure("Schulen mit Fachkräften (heute)", schools[0], of=schools[1]),
        KeyFigure("Veranstaltungen", event_total.events),
        KeyFigure("Anmeldungen (bestätigt)", event_total.registrations),
        KeyFigure("Teilnahmen (anwesend)", event_total.attended),
        KeyFigure("No-show-Quote", event_total.no_show_rate, PERCENT),
        KeyFigure("Treffen der Qualitätszirkel", circles.total.values[0]),
        KeyFigure("Themenvorschläge eingegangen", topic_figures.received),
        KeyFigure("Themenvorschläge umgesetzt", topic_figures.realised),
        KeyFigure("Nachrichten über die Verteiler", lists.total.values[0]),
    )
    return Report(
        period=period,
        now=now,
        key_figures=key_figures,
        sections=(
            members_by_group,
            members_by_kind,
            by_form,
            by_district,
            events,
            participants,
            circles,
            topics,
            lists,
        ),
    )
