"""CSV import and export operations for members and schools.

Checking reads groups, Träger, schools and existing members once into dicts, never per
row; importing writes only checked rows. Operations flush and never commit.
"""

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.util import identity_key

from netzwerk.accounts.operations import normalise_email
from netzwerk.audit import record_audit
from netzwerk.db import db
from netzwerk.members.models import (
    EMPLOYER_KIND_LABELS,
    SCHOOL_FORM_LABELS,
    District,
    Employer,
    EmployerKind,
    Member,
    ProfessionalGroup,
    School,
    SchoolForm,
    member_schools,
)
from netzwerk.members.operations import set_active, set_directory_listing
from netzwerk.members.transfer_csv import (
    MEMBER_COLUMNS,
    SCHOOL_COLUMNS,
    CsvRow,
    CsvTable,
    export_cell,  # noqa: F401  (events.exports imports it, and write_csv, from here)
    header_key,
    write_csv,
)

BERLIN = ZoneInfo("Europe/Berlin")
SCHOOL_SEPARATOR = " | "


# --- checking rows ---------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Zeile {self.line}: {self.message}"


@dataclass
class ImportCheck:
    """What an import would do: the rows it would write and the rows it must refuse."""

    rows: list  # MemberImportRow or SchoolImportRow, each checked and resolved
    errors: list[RowError]
    ignored_headers: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def new_count(self) -> int:
        return sum(1 for row in self.rows if row.is_new)

    @property
    def updated(self) -> list[str]:
        """E-mail addresses (members) or names (schools) of the rows that update."""
        return [row.key for row in self.rows if not row.is_new]

    @property
    def bad_line_count(self) -> int:
        return len({error.line for error in self.errors})

    @property
    def created_references(self) -> list[str]:
        """Träger or Sozialräume that the valid rows name and that do not exist yet."""
        seen = {}
        for row in self.rows:
            for reference in row.new_references():
                seen.setdefault(reference, None)
        return list(seen)


class ImportNotValid(Exception):
    def __init__(self, check: ImportCheck):
        super().__init__(f"{len(check.errors)} errors")
        self.check = check


def _name_key(name: str) -> str:
    return " ".join(name.split()).lower()


def _check_text(row: CsvRow, key: str, label: str, max_length: int, problems: list[str]) -> str:
    value = row.get(key)
    if len(value) > max_length:
        problems.append(f"{label} ist zu lang (höchstens {max_length} Zeichen).")
    elif re.search(r"[\t\r\n]", value):
        problems.append(f"{label} enthält einen Zeilenumbruch oder Tabulator.")
    return value


def _check_required(row: CsvRow, required: dict[str, str], problems: list[str]) -> None:
    for key, label in required.items():
        if not row.get(key):
            problems.append(f"Pflichtfeld {label} fehlt.")


def _overflow_problem(delimiter: str) -> str:
    shown = {"\t": "Tabulator"}.get(delimiter, f"„{delimiter}“")
    return (
        "Die Zeile hat mehr Spalten als die Kopfzeile. Enthält ein Wert das Trennzeichen "
        f"{shown}? Dann setzen Sie ihn bitte in Anführungszeichen."
    )


FLAG_VALUES = {
    **dict.fromkeys(("ja", "j", "x", "1", "true", "wahr", "yes", "y"), True),
    **dict.fromkeys(("nein", "n", "0", "false", "falsch", "no", "-"), False),
}


def _check_flag(row: CsvRow, key: str, label: str, problems: list[str]) -> bool | None:
    value = row.get(key)
    if not value:
        return None
    flag = FLAG_VALUES.get(value.casefold())
    if flag is None:
        problems.append(
            f"„{value}“ in der Spalte {label} ist kein Ja/Nein-Wert "
            "(erlaubt: ja, nein, x, 1, 0, true, false)."
        )
    return flag


# RFC 5322 dot-atom in ASCII: what email_validator accepts before the @ without SMTPUTF8.
_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def _is_valid_email(email: str) -> bool:
    """The rule of the forms (core.forms.email_field) for a lower-cased address, but fast:
    the domain, shared by many rows, goes through email_validator once."""
    local, at, domain = email.rpartition("@")
    if not at or len(email) > 254 or len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        return False
    return _is_valid_domain(domain)


@lru_cache(maxsize=4096)
def _is_valid_domain(domain: str) -> bool:
    try:
        validate_email(f"x@{domain}", check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return False
    return True


# --- members ---------------------------------------------------------------------


@dataclass(frozen=True)
class NewReference:
    """A Träger or Sozialraum that an import will create."""

    name: str
    kind: EmployerKind | None = None  # Träger only


@dataclass(slots=True)
class MemberImportRow:
    """One checked row, kept small: a file of 10,000 rows is held as 10,000 of these
    between checking and writing, so members and schools are ids, not loaded objects."""

    line: int
    email: str
    first_name: str
    last_name: str
    phone: str
    group: ProfessionalGroup | None
    employer: Employer | NewReference | None
    school_ids: list[int] | None
    is_active: bool | None
    listed: bool | None
    existing_id: int | None  # the member with this address, if there is one

    @property
    def key(self) -> str:
        return self.email

    @property
    def is_new(self) -> bool:
        return self.existing_id is None

    def new_references(self) -> list[str]:
        if isinstance(self.employer, NewReference):
            return [f"Träger „{self.employer.name}“ ({self.employer.kind.label})"]
        return []


class _MemberLookups:
    """Everything rows refer to, loaded once: the checks never query per row."""

    def __init__(self):
        self.groups = (
            db.session.execute(
                select(ProfessionalGroup).order_by(
                    ProfessionalGroup.position, ProfessionalGroup.name
                )
            )
            .scalars()
            .all()
        )
        self.group_by_key = {}
        for group in self.groups:
            self.group_by_key.setdefault(group.slug.lower(), group)
            self.group_by_key[group.name.lower()] = group
        self.employer_by_key = {}
        self.employers_by_name = defaultdict(list)
        self.employers_by_kind = defaultdict(list)
        for employer in db.session.execute(select(Employer)).scalars():
            self.employer_by_key[(employer.kind, _name_key(employer.name))] = employer
            self.employers_by_name[_name_key(employer.name)].append(employer)
            self.employers_by_kind[employer.kind].append(employer)
        self.school_id_by_key = {
            _name_key(name): school_id
            for school_id, name in db.session.execute(select(School.id, School.name))
        }
        # All addresses in one scan: an IN list of thousands of addresses can make
        # PostgreSQL scan the table once per chunk while its statistics lag behind a large
        # import. Ids only: the members an import updates are loaded when it writes.
        self.member_id_by_email = dict(db.session.execute(select(Member.email, Member.id)).all())
        self.new_employers: dict[tuple, NewReference] = {}

    def group(self, value: str) -> ProfessionalGroup | None:
        return self.group_by_key.get(value.strip().lower())

    def known_groups(self) -> str:
        return ", ".join(g.name for g in self.groups) or "noch keine"

    def employer(self, kind: EmployerKind | None, name: str) -> Employer | NewReference | str:
        """The Träger a row names, one that will be created, or a problem to report."""
        key = _name_key(name)
        if kind is not None and key:
            found = self.employer_by_key.get((kind, key))
            return found or self._new_employer(kind, " ".join(name.split()))
        if key:
            candidates = self.employers_by_name.get(key, [])
            if len(candidates) == 1:
                return candidates[0]
            if not candidates:
                return (
                    f"Für den neuen Träger „{name}“ fehlt die Träger-Art "
                    "(Land, Kommune oder Freier Träger)."
                )
            return f"Den Träger „{name}“ gibt es mehrmals; bitte geben Sie die Träger-Art an."
        if kind == EmployerKind.FREIER_TRAEGER:
            return "Bei der Träger-Art „Freier Träger“ fehlt der Name des Trägers."
        # "Land" or "Kommune" alone names the one such employer there usually is.
        candidates = self.employers_by_kind.get(kind, [])
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            return (
                f"Es gibt mehrere Träger der Art {kind.label}; bitte tragen Sie in der "
                "Spalte Träger ein, welcher gemeint ist."
            )
        return self._new_employer(kind, kind.label)

    def _new_employer(self, kind: EmployerKind, name: str) -> NewReference:
        return self.new_employers.setdefault((kind, _name_key(name)), NewReference(name, kind))


EMPLOYER_KINDS_BY_KEY = {
    **{header_key(label): kind for kind, label in EMPLOYER_KIND_LABELS.items()},
    "frei": EmployerKind.FREIER_TRAEGER,
    "freiertraeger": EmployerKind.FREIER_TRAEGER,
    "kommunal": EmployerKind.KOMMUNE,
}


def validate_member_rows(table: CsvTable) -> ImportCheck:
    """Check every row; nothing is written."""
    lookups = _MemberLookups()
    seen_emails: dict[str, int] = {}
    rows, errors = [], []
    for csv_row in table.rows:
        problems: list[str] = []
        if csv_row.overflow:
            problems.append(_overflow_problem(table.delimiter))
        row = _check_member_row(csv_row, lookups, seen_emails, problems)
        if problems:
            errors.extend(RowError(csv_row.line, problem) for problem in problems)
        else:
            rows.append(row)
    return ImportCheck(rows, errors, table.ignored_headers)


def _check_member_row(row: CsvRow, lookups: _MemberLookups, seen_emails, problems):
    _check_required(
        row, {"first_name": "Vorname", "last_name": "Nachname", "email": "E-Mail"}, problems
    )
    first_name = _check_text(row, "first_name", "Vorname", 100, problems)
    last_name = _check_text(row, "last_name", "Nachname", 100, problems)
    phone = _check_text(row, "phone", "Telefon", 50, problems)
    email = normalise_email(row.get("email"))
    if email:
        if not _is_valid_email(email):
            problems.append(f"Die E-Mail-Adresse „{row.get('email')}“ ist ungültig.")
        elif email in seen_emails:
            problems.append(f"Die E-Mail-Adresse steht schon in Zeile {seen_emails[email]}.")
        else:
            seen_emails[email] = row.line

    group = None
    if row.get("group"):
        group = lookups.group(row.get("group"))
        if group is None:
            problems.append(
                f"Berufsgruppe „{row.get('group')}“ gibt es nicht "
                f"(bekannt: {lookups.known_groups()})."
            )

    employer = _check_employer(row, lookups, problems)
    school_ids = None
    if row.get("schools"):
        school_ids = []
        for name in (part.strip() for part in row.get("schools").split("|")):
            school_id = lookups.school_id_by_key.get(_name_key(name))
            if school_id is None and name:
                problems.append(f"Schule „{name}“ ist nicht im Schulverzeichnis.")
            elif school_id is not None and school_id not in school_ids:
                school_ids.append(school_id)

    is_active = _check_flag(row, "is_active", "Aktiv", problems)
    listed = _check_flag(row, "listed", "Im Verzeichnis", problems)
    return MemberImportRow(
        line=row.line,
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        group=group,
        employer=employer,
        school_ids=school_ids,
        is_active=is_active,
        listed=listed,
        existing_id=lookups.member_id_by_email.get(email),
    )


def _check_employer(row: CsvRow, lookups: _MemberLookups, problems: list[str]):
    kind_text = row.get("employer_kind")
    name = _check_text(row, "employer_name", "Träger", 200, problems)
    if not kind_text and not name:
        return None
    kind = None
    if kind_text:
        kind = EMPLOYER_KINDS_BY_KEY.get(header_key(kind_text))
        if kind is None:
            problems.append(
                f"Träger-Art „{kind_text}“ ist unbekannt (erlaubt: Land, Kommune, Freier Träger)."
            )
            return None
    employer = lookups.employer(kind, name)
    if isinstance(employer, str):
        problems.append(employer)
        return None
    return employer


def import_members(table: CsvTable, *, only_valid: bool = False) -> ImportCheck:
    """Create and update members from the checked rows.

    Raises ImportNotValid (nothing written) when a row is bad, unless only_valid.
    New members and school links are written in bulk, not through the unit of work:
    that keeps 10,000 rows within seconds. Everything is written in batches of
    WRITE_BATCH rows, so that the request never holds the parameters or the loaded
    members of the whole file at once.
    """
    check = validate_member_rows(table)
    if check.errors and not only_valid:
        raise ImportNotValid(check)
    employer_ids = _create_employers(check.rows)
    new_rows = [row for row in check.rows if row.is_new]
    new_ids = _insert_members(new_rows, employer_ids)
    _update_members([row for row in check.rows if not row.is_new], employer_ids)
    _list_in_directory([new_ids[row.email] for row in new_rows if row.listed])
    links = {
        new_ids[row.email] if row.is_new else row.existing_id: set(row.school_ids)
        for row in check.rows
        if row.school_ids is not None
    }
    _replace_school_links(links, [row.existing_id for row in check.rows if not row.is_new])
    record_audit(
        "import",
        "member",
        None,
        f"CSV-Import: {check.new_count} Mitglieder angelegt, {len(check.updated)} aktualisiert",
    )
    db.session.flush()
    return check


def _insert_members(rows: list[MemberImportRow], employer_ids: dict) -> dict[str, int]:
    """Insert in one statement; the new ids, by e-mail address."""
    if not rows:
        return {}
    before = db.session.execute(select(func.max(Member.id))).scalar() or 0
    for batch in _batches(rows):
        db.session.execute(
            insert(Member),
            [
                {
                    "email": row.email,
                    "first_name": row.first_name,
                    "last_name": row.last_name,
                    "phone": row.phone,
                    "group_id": row.group.id if row.group else None,
                    "employer_id": employer_ids.get(row.employer),
                    "is_active": True if row.is_active is None else row.is_active,
                    "listed_in_directory": False,
                }
                for row in batch
            ],
        )
    # SQLite cannot return the ids of a multi-row insert in order, so read them back.
    emails = {row.email for row in rows}
    inserted = db.session.execute(select(Member.id, Member.email).where(Member.id > before))
    return {email: member_id for member_id, email in inserted if email in emails}


WRITE_BATCH = 500


def _batches(items: list) -> Iterator[list]:
    for start in range(0, len(items), WRITE_BATCH):
        yield items[start : start + WRITE_BATCH]


def _update_members(rows: list[MemberImportRow], employer_ids: dict) -> None:
    """Load the members that rows update a batch at a time, by id. Once flushed they are
    unchanged in the session, which holds those only weakly: a batch goes when the next
    one is loaded."""
    for batch in _batches(rows):
        members = db.session.execute(
            select(Member)
            .options(joinedload(Member.user))
            .where(Member.id.in_([row.existing_id for row in batch]))
        ).scalars()
        by_id = {member.id: member for member in members}
        for row in batch:
            _update_member(by_id[row.existing_id], row, employer_ids.get(row.employer))
        db.session.flush()


def _list_in_directory(member_ids: list[int]) -> None:
    # With the consent record, as when the coordinator ticks the box in the member form.
    for batch in _batches(member_ids):
        members = db.session.execute(select(Member).where(Member.id.in_(batch))).scalars()
        for member in members:
            set_directory_listing(member, True)
        db.session.flush()


def _create_employers(rows: list[MemberImportRow]) -> dict:
    """Employer ids by what the rows name, with the new Träger created."""
    ids = {row.employer: None for row in rows if row.employer is not None}
    new = {
        ref: Employer(kind=ref.kind, name=ref.name) for ref in ids if isinstance(ref, NewReference)
    }
    db.session.add_all(new.values())
    db.session.flush()
    return {ref: new.get(ref, ref).id for ref in ids}


def _update_member(member: Member, row: MemberImportRow, employer_id: int | None) -> None:
    # Empty cells keep what is stored: a list without phone numbers deletes none.
    member.first_name = row.first_name
    member.last_name = row.last_name
    if row.phone:
        member.phone = row.phone
    if row.group is not None:
        member.group_id = row.group.id
    if employer_id is not None:
        member.employer_id = employer_id
    if row.is_active is not None and row.is_active != member.is_active:
        set_active(member, row.is_active)
    if row.listed is not None and row.listed != member.listed_in_directory:
        set_directory_listing(member, row.listed)
    if member.user is not None:
        member.user.name = member.full_name


def _replace_school_links(links: dict[int, set[int]], existing_ids: list[int]) -> None:
    """Give each member in links exactly those schools, touching only what changes."""
    current = defaultdict(set)
    if any(member_id in links for member_id in existing_ids):
        for member_id, school_id in db.session.execute(select(member_schools)):
            if member_id in links:
                current[member_id].add(school_id)
    removed = [
        (member_id, school_id)
        for member_id, school_ids in links.items()
        for school_id in current[member_id] - school_ids
    ]
    added = [
        (member_id, school_id)
        for member_id, school_ids in links.items()
        for school_id in school_ids - current[member_id]
    ]
    unlink = delete(member_schools).where(
        member_schools.c.member_id == bindparam("m"),
        member_schools.c.school_id == bindparam("s"),
    )
    for batch in _batches(removed):
        db.session.execute(unlink, [{"m": m, "s": s} for m, s in batch])
    for batch in _batches(added):
        db.session.execute(
            insert(member_schools), [{"member_id": m, "school_id": s} for m, s in batch]
        )
    # Members the session already holds must not show their old schools.
    for member_id in links:
        member = db.session.identity_map.get(identity_key(Member, member_id))
        if member is not None:
            db.session.expire(member, ["schools"])


# --- schools ---------------------------------------------------------------------


SCHOOL_FORMS_BY_KEY = {header_key(label): form for form, label in SCHOOL_FORM_LABELS.items()}


@dataclass
class SchoolImportRow:
    line: int
    name: str
    school_form: SchoolForm | None
    district: District | NewReference | None
    street: str
    postal_code: str
    city: str
    existing: School | None

    @property
    def key(self) -> str:
        return self.name

    @property
    def is_new(self) -> bool:
        return self.existing is None

    def new_references(self) -> list[str]:
        if isinstance(self.district, NewReference):
            return [f"Sozialraum „{self.district.name}“"]
        return []


def validate_school_rows(table: CsvTable) -> ImportCheck:
    """Check every row; nothing is written."""
    schools = {_name_key(s.name): s for s in db.session.execute(select(School)).scalars()}
    districts = {_name_key(d.name): d for d in db.session.execute(select(District)).scalars()}
    new_districts: dict[str, NewReference] = {}
    seen_names: dict[str, int] = {}
    rows, errors = [], []
    for csv_row in table.rows:
        problems: list[str] = []
        if csv_row.overflow:
            problems.append(_overflow_problem(table.delimiter))
        name = _check_text(csv_row, "name", "Name", 200, problems)
        key = _name_key(name)
        if not name:
            problems.append("Pflichtfeld Name fehlt.")
        elif key in seen_names:
            problems.append(f"Die Schule „{name}“ steht schon in Zeile {seen_names[key]}.")
        else:
            seen_names[key] = csv_row.line
        existing = schools.get(key) if name else None

        school_form = None
        form_text = csv_row.get("school_form")
        if form_text:
            school_form = SCHOOL_FORMS_BY_KEY.get(header_key(form_text))
            if school_form is None:
                known = ", ".join(SCHOOL_FORM_LABELS.values())
                problems.append(f"Schulform „{form_text}“ gibt es nicht (bekannt: {known}).")
        elif existing is None:
            problems.append("Pflichtfeld Schulform fehlt.")

        district = None
        district_name = " ".join(
            _check_text(csv_row, "district", "Sozialraum", 120, problems).split()
        )
        if district_name:
            district = districts.get(_name_key(district_name)) or new_districts.setdefault(
                _name_key(district_name), NewReference(district_name)
            )

        row = SchoolImportRow(
            line=csv_row.line,
            name=" ".join(name.split()),
            school_form=school_form,
            district=district,
            street=_check_text(csv_row, "street", "Straße", 200, problems),
            postal_code=_check_postal_code(csv_row, problems),
            city=_check_text(csv_row, "city", "Ort", 120, problems),
            existing=existing,
        )
        if problems:
            errors.extend(RowError(csv_row.line, problem) for problem in problems)
        else:
            rows.append(row)
    return ImportCheck(rows, errors, table.ignored_headers)


def _check_postal_code(row: CsvRow, problems: list[str]) -> str:
    value = row.get("postal_code")
    if re.fullmatch(r"\d{4}", value):
        value = "0" + value  # Excel turns 01067 into the number 1067
    if value and not re.fullmatch(r"\d{5}", value):
        problems.append(f"Die PLZ „{row.get('postal_code')}“ ist ungültig (fünf Ziffern).")
    return value


def import_schools(table: CsvTable, *, only_valid: bool = False) -> ImportCheck:
    """Create and update schools from the checked rows, in one flush.

    Raises ImportNotValid (nothing written) when a row is bad, unless only_valid.
    """
    check = validate_school_rows(table)
    if check.errors and not only_valid:
        raise ImportNotValid(check)
    districts: dict[NewReference, District] = {}
    for row in check.rows:
        district = row.district
        if isinstance(district, NewReference):
            district = districts.setdefault(district, District(name=district.name))
        school = row.existing
        if school is None:
            school = School(name=row.name, school_form=row.school_form)
            db.session.add(school)
        school.name = row.name
        if row.school_form is not None:
            school.school_form = row.school_form
        for attribute in ("street", "postal_code", "city"):
            if getattr(row, attribute):
                setattr(school, attribute, getattr(row, attribute))
        if district is not None:
            school.district = district
    record_audit(
        "import",
        "school",
        None,
        f"CSV-Import: {check.new_count} Schulen angelegt, {len(check.updated)} aktualisiert",
    )
    db.session.flush()
    return check


# --- export ----------------------------------------------------------------------


MEMBER_HEADER = [c.header for c in MEMBER_COLUMNS]
SCHOOL_HEADER = [c.header for c in SCHOOL_COLUMNS]


def _yes_no(flag: bool) -> str:
    return "ja" if flag else "nein"


def member_cells(member: Member) -> list[str]:
    employer = member.employer
    return [
        member.first_name,
        member.last_name,
        member.email,
        member.phone,
        member.group.name if member.group else "",
        employer.kind.label if employer else "",
        employer.name if employer else "",
        SCHOOL_SEPARATOR.join(school.name for school in member.schools),
        _yes_no(member.is_active),
        _yes_no(member.listed_in_directory),
    ]


def school_cells(school: School) -> list[str]:
    return [
        school.name,
        school.school_form.label,
        school.district.name if school.district else "",
        school.street,
        school.postal_code,
        school.city,
    ]


@dataclass(frozen=True)
class CsvExport:
    filename: str
    content: str
    count: int


def dated_filename(subject: str) -> str:
    return f"netzwerk-{subject}-{datetime.now(BERLIN).date().isoformat()}.csv"


def export_members(*, group: str = "", active: bool | None = None) -> CsvExport:
    """The member list as CSV; group is an id or a slug. The export goes into the audit log."""
    query = (
        select(Member)
        .options(
            joinedload(Member.group), joinedload(Member.employer), selectinload(Member.schools)
        )
        .order_by(Member.last_name, Member.first_name, Member.id)
    )
    if group.isdigit():
        query = query.where(Member.group_id == int(group))
    elif group:
        query = query.where(
            Member.group_id
            == select(ProfessionalGroup.id).where(ProfessionalGroup.slug == group).scalar_subquery()
        )
    if active is not None:
        query = query.where(Member.is_active.is_(active))
    # Read in batches while writing: all 10,000 members with their schools as objects at
    # once held 50 MB; a batch leaves the session's weak identity map once written.
    members = db.session.execute(query.execution_options(yield_per=WRITE_BATCH)).scalars()
    count = 0

    def rows():
        nonlocal count
        for member in members:
            count += 1
            yield member_cells(member)

    content = write_csv(MEMBER_HEADER, rows())
    record_audit("export", "member", None, f"{count} Mitglieder exportiert")
    db.session.flush()
    return CsvExport(dated_filename("mitglieder"), content, count)


def export_schools(
    *, school_form: SchoolForm | None = None, district_id: int | None = None
) -> CsvExport:
    query = select(School).options(joinedload(School.district)).order_by(School.name)
    if school_form is not None:
        query = query.where(School.school_form == school_form)
    if district_id is not None:
        query = query.where(School.district_id == district_id)
    schools = db.session.execute(query).scalars().all()
    content = write_csv(SCHOOL_HEADER, (school_cells(s) for s in schools))
    return CsvExport(dated_filename("schulen"), content, len(schools))
