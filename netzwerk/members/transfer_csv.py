"""The CSV format Excel reads and writes: decoding, separators, German headers, formulas.

Pure functions over text; nothing here touches the database.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_FILE_BYTES = 5 * 1024 * 1024
# Spreadsheets run cells starting with these as formulas (CSV injection); see export_cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

NOT_TEXT = (
    "Die Datei ist keine Textdatei im CSV-Format. Bitte speichern Sie die Tabelle in Excel "
    "über „Speichern unter“ als „CSV UTF-8 (durch Trennzeichen getrennt)“."
)


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, in German."""


# --- reading the file ----------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """The file's text. Excel writes UTF-8 with BOM, Windows-1252, or UTF-16 ("Unicode-Text")."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            "Die Datei ist größer als 5 MB. Bitte teilen Sie sie in mehrere Dateien auf."
        )
    if not data.strip():
        raise ImportFileError("Die Datei ist leer.")
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "Das ist eine Excel-Arbeitsmappe, keine CSV-Datei. Bitte speichern Sie sie in Excel "
            "über „Speichern unter“ als „CSV UTF-8 (durch Trennzeichen getrennt)“."
        )
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = _decode_utf8_or_windows(data)
    except UnicodeDecodeError as exc:
        raise ImportFileError(NOT_TEXT) from exc
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise ImportFileError(NOT_TEXT)
    return text


def _decode_utf8_or_windows(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # What Excel on German Windows writes as "CSV (Trennzeichen-getrennt)".
        return data.decode("cp1252")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as the export writes it
    aliases: tuple[str, ...] = ()
    required: bool = False


MEMBER_COLUMNS = (
    Column("first_name", "Vorname", ("vornamen",), required=True),
    Column("last_name", "Nachname", ("familienname", "zuname"), required=True),
    Column("email", "E-Mail", ("E-Mail-Adresse", "Mail", "Mailadresse"), required=True),
    Column("phone", "Telefon", ("Tel", "Telefonnummer", "Telefonnr", "Rufnummer")),
    Column("group", "Berufsgruppe", ("Gruppe",)),
    Column("employer_kind", "Träger-Art", ("Trägertyp", "Art des Trägers", "Anstellungsart")),
    Column("employer_name", "Träger", ("Anstellungsträger", "Trägername", "Name des Trägers")),
    Column("schools", "Schulen", ("Schule",)),
    Column("is_active", "Aktiv"),
    Column("listed", "Im Verzeichnis", ("Verzeichnis", "Im Netzwerkverzeichnis")),
)

SCHOOL_COLUMNS = (
    Column("name", "Name", ("Schule", "Schulname", "Name der Schule"), required=True),
    Column("school_form", "Schulform", ("Schulart", "Schultyp")),
    Column("district", "Sozialraum", ("Stadtbezirk", "Bezirk", "Stadtteil")),
    Column("street", "Straße", ("Str", "Anschrift", "Adresse", "Straße und Hausnummer")),
    Column("postal_code", "PLZ", ("Postleitzahl",)),
    Column("city", "Ort", ("Stadt",)),
)


def header_key(text: str) -> str:
    """ "E-Mail (dienstlich)", "e-mail", " EMail " all become "email"; "Träger" is "traeger"."""
    text = re.sub(r"\(.*?\)", "", text.casefold())
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, spelled)
    return re.sub(r"[^a-z0-9]", "", text)


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # the row number Excel shows; the header is row 1
    values: dict[str, str]
    overflow: bool = False  # more cells than headers: likely an unquoted separator

    def get(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass(frozen=True)
class CsvTable:
    """The data rows under a header, read from the text again each time they are walked:
    a large file is held only as its text, never as all its rows and cells at once."""

    text: str
    delimiter: str
    header: dict[int, str]  # cell index -> column key
    width: int  # cells in the header row
    ignored_headers: list[str] = field(default_factory=list)

    @property
    def rows(self) -> Iterator[CsvRow]:
        records = (
            (line, cells)
            for line, cells in enumerate(_reader(self.text, self.delimiter), start=1)
            if _has_data(cells)
        )
        next(records)  # the header
        for line, cells in records:
            values = {key: clean_cell(cells[i]) for i, key in self.header.items() if i < len(cells)}
            yield CsvRow(line, values, overflow=_has_data(cells[self.width :]))


# Lines split as io.StringIO(newline="") splits them (\r\n, \r or \n), without copying
# the text into StringIO's buffer of four bytes per character.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _reader(text: str, delimiter: str):
    return csv.reader((match.group() for match in _LINE.finditer(text)), delimiter=delimiter)


def _has_data(cells: list[str]) -> bool:
    return any(cell.strip() for cell in cells)


def read_table(text: str, columns: tuple[Column, ...]) -> CsvTable:
    """The table under a header that names at least the required columns.

    The whole file is read here once, so that what makes it unreadable shows at the
    upload; the rows are read again, one at a time, by whoever walks them.
    """
    delimiter = _sniff_delimiter(text)
    reader = _reader(text, delimiter)
    header, ignored, width, has_rows = None, [], 0, False
    try:
        for cells in reader:
            if not _has_data(cells):
                continue
            if header is None:
                header, ignored = _map_header(cells, columns)
                width = len(cells)
            else:
                has_rows = True
    except csv.Error as exc:
        raise ImportFileError(
            f"Die Datei lässt sich ab Zeile {reader.line_num} nicht als CSV lesen. "
            "Bitte speichern Sie sie in Excel erneut als CSV."
        ) from exc
    if header is None:
        raise ImportFileError("Die Datei ist leer.")
    if not has_rows:
        raise ImportFileError("Die Datei enthält nur die Kopfzeile, aber keine Datenzeilen.")
    return CsvTable(text, delimiter, header, width, ignored)


def _sniff_delimiter(text: str) -> str:
    lines = (match.group() for match in _LINE.finditer(text))
    first_line = next((line for line in lines if line.strip()), "")
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])  # ties go to ";", the first one
    return best if counts[best] else ";"


def _map_header(cells: list[str], columns) -> tuple[dict[int, str], list[str]]:
    names = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            names[header_key(name)] = column
    found: dict[int, str] = {}
    ignored = []
    for index, cell in enumerate(cells):
        column = names.get(header_key(cell))
        if column is None:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        if column.key in found.values():
            raise ImportFileError(
                f"Die Spalte „{column.header}“ steht zweimal in der Kopfzeile. "
                "Bitte löschen Sie eine davon."
            )
        found[index] = column.key
    missing = [c.header for c in columns if c.required and c.key not in found.values()]
    if missing:
        expected = "; ".join(c.header for c in columns)
        raise ImportFileError(
            f"In der Kopfzeile (Zeile 1) fehlt die Spalte „{'“, „'.join(missing)}“. "
            f"Erwartet werden die Spalten: {expected}."
        )
    return found, ignored


def clean_cell(value: str) -> str:
    """Trimmed, and without the apostrophe the export puts before formula-like values."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


# --- writing ----------------------------------------------------------------------


def export_cell(value: str) -> str:
    """Neutralise values a spreadsheet would run as a formula (OWASP "CSV injection")."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_csv(header: list[str], rows) -> str:
    """Semicolons, CRLF and a BOM: what Excel in German needs to open UTF-8 with umlauts."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([export_cell(value) for value in row])
    return buffer.getvalue()
