"""Verbs for schools, Berufsgruppen, Träger and Sozialräume.

Operations flush and never commit; the request commits once. Duplicates raise
DuplicateName with a German message for the form field, before anything is written.
"""

import re
import unicodedata

from sqlalchemy import func, select

from netzwerk.db import db
from netzwerk.members.models import (
    District,
    Employer,
    EmployerKind,
    ProfessionalGroup,
    School,
    SchoolForm,
    member_schools,
)

SLUG_MAX_LENGTH = 40
_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue", "ẞ": "ss"}
)


class DuplicateName(ValueError):
    """Another row already carries this name; the message is shown next to the field."""


class SchoolInUse(Exception):
    def __init__(self, member_count: int):
        super().__init__(member_count)
        self.member_count = member_count


def _name_taken(column, name: str, *, exclude_id=None, where=None) -> bool:
    # Compared lower-cased by the database, so "Gesamtschule Nord" blocks "gesamtschule nord".
    query = select(column.table.c.id).where(func.lower(column) == func.lower(name))
    if exclude_id is not None:
        query = query.where(column.table.c.id != exclude_id)
    if where is not None:
        query = query.where(where)
    return db.session.execute(query.limit(1)).first() is not None


# --- schools -----------------------------------------------------------------


def _check_school_name(name: str, exclude_id: int | None = None) -> None:
    if _name_taken(School.name, name, exclude_id=exclude_id):
        raise DuplicateName(f"Eine Schule mit dem Namen „{name}“ gibt es bereits.")


def create_school(
    *,
    name: str,
    school_form: SchoolForm,
    district: District | None = None,
    street: str = "",
    postal_code: str = "",
    city: str = "",
) -> School:
    _check_school_name(name)
    school = School(
        name=name,
        school_form=SchoolForm(school_form),
        district=district,
        street=street,
        postal_code=postal_code,
        city=city,
    )
    db.session.add(school)
    db.session.flush()
    return school


def update_school(
    school: School,
    *,
    name: str,
    school_form: SchoolForm,
    district: District | None,
    street: str,
    postal_code: str,
    city: str,
) -> School:
    _check_school_name(name, exclude_id=school.id)
    school.name = name
    school.school_form = SchoolForm(school_form)
    school.district = district
    school.street = street
    school.postal_code = postal_code
    school.city = city
    db.session.flush()
    return school


def delete_school(school: School) -> None:
    """Delete a school no member is assigned to; raises SchoolInUse otherwise."""
    assigned = db.session.execute(
        select(func.count())
        .select_from(member_schools)
        .where(member_schools.c.school_id == school.id)
    ).scalar_one()
    if assigned:
        raise SchoolInUse(assigned)
    db.session.delete(school)
    db.session.flush()


# --- Berufsgruppen -----------------------------------------------------------


def slugify(name: str) -> str:
    """Lower-case ASCII for URLs: "Schulbegleitung Süd" -> "schulbegleitung-sued"."""
    text = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATION))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))  # é -> e
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return text[:SLUG_MAX_LENGTH].rstrip("-") or "gruppe"


def _unique_slug(name: str) -> str:
    base = slugify(name)
    taken = set(
        db.session.execute(
            select(ProfessionalGroup.slug).where(ProfessionalGroup.slug.startswith(base))
        ).scalars()
    )
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        n += 1
    return slug


def _check_group_name(name: str, exclude_id: int | None = None) -> None:
    if _name_taken(ProfessionalGroup.name, name, exclude_id=exclude_id):
        raise DuplicateName(f"Die Berufsgruppe „{name}“ gibt es bereits.")


def create_group(*, name: str, description: str = "", position: int | None = None):
    """A new Berufsgruppe. Its slug, the calendar address, is fixed from now on."""
    _check_group_name(name)
    if position is None:
        highest = db.session.execute(select(func.max(ProfessionalGroup.position))).scalar()
        position = 0 if highest is None else highest + 1
    group = ProfessionalGroup(
        slug=_unique_slug(name), name=name, description=description, position=position
    )
    db.session.add(group)
    db.session.flush()
    return group


def rename_group(
    group: ProfessionalGroup, *, name: str, description: str, position: int | None = None
) -> ProfessionalGroup:
    """Change what people read; the slug stays so subscribed calendars keep working."""
    _check_group_name(name, exclude_id=group.id)
    group.name = name
    group.description = description
    if position is not None:
        group.position = position
    db.session.flush()
    return group


# --- Träger --------------------------------------------------------------------


def _check_employer_name(kind: EmployerKind, name: str, exclude_id: int | None = None) -> None:
    if _name_taken(Employer.name, name, exclude_id=exclude_id, where=Employer.kind == kind):
        raise DuplicateName(f"Den Träger „{name}“ ({kind.label}) gibt es bereits.")


def create_employer(*, kind: EmployerKind, name: str) -> Employer:
    kind = EmployerKind(kind)
    _check_employer_name(kind, name)
    employer = Employer(kind=kind, name=name)
    db.session.add(employer)
    db.session.flush()
    return employer


def rename_employer(employer: Employer, *, kind: EmployerKind, name: str) -> Employer:
    kind = EmployerKind(kind)
    _check_employer_name(kind, name, exclude_id=employer.id)
    employer.kind = kind
    employer.name = name
    db.session.flush()
    return employer


# --- Sozialräume ---------------------------------------------------------------


def _check_district_name(name: str, exclude_id: int | None = None) -> None:
    if _name_taken(District.name, name, exclude_id=exclude_id):
        raise DuplicateName(f"Den Sozialraum „{name}“ gibt es bereits.")


def create_district(*, name: str) -> District:
    _check_district_name(name)
    district = District(name=name)
    db.session.add(district)
    db.session.flush()
    return district


def rename_district(district: District, *, name: str) -> District:
    _check_district_name(name, exclude_id=district.id)
    district.name = name
    db.session.flush()
    return district
