"""What the demo builders share: the random source, what was built so far, bulk inserts."""

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import insert, select

from netzwerk.db import db
from netzwerk.members.models import Employer, ProfessionalGroup, SchoolForm

CHUNK_SIZE = 2000
DEMO_PASSWORD = "netzwerk-demo-2026"  # noqa: S105  (public on purpose: printed for the demo)
COORDINATOR_EMAIL = "koordination@example.org"
MEMBER_EMAIL = "fachkraft@example.org"


@dataclass(frozen=True)
class SchoolRef:
    id: int
    name: str
    form: SchoolForm


@dataclass
class DemoContext:
    """Handed from builder to builder; each adds what later builders (and issues) need."""

    scale: int
    rng: random.Random = field(default_factory=lambda: random.Random(42))  # deterministic
    groups: dict[str, ProfessionalGroup] = field(default_factory=dict)
    district_ids: dict[str, int] = field(default_factory=dict)
    employers: list[tuple[Employer, str]] = field(default_factory=list)  # (employer, domain)
    covered_schools: list[SchoolRef] = field(default_factory=list)
    uncovered_schools: list[SchoolRef] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)
    coordinator_id: int | None = None
    demo_member_id: int | None = None
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (label, e-mail, password)
    counts: dict[str, int] = field(default_factory=dict)  # German label -> number, for the summary

    def employers_of(self, kind) -> list[tuple[Employer, str]]:
        return [(e, domain) for e, domain in self.employers if e.kind == kind]


class UniqueNames:
    """Hands out names not yet taken, adding a number when the plain name is used up."""

    def __init__(self, taken=()):
        self.taken = {name.lower() for name in taken}

    def is_free(self, name: str) -> bool:
        return name.lower() not in self.taken

    def claim(self, name: str, numbered: Callable[[int], str] | None = None) -> str:
        numbered = numbered or (lambda n: f"{name} {n}")
        candidate, n = name, 1
        while candidate.lower() in self.taken:
            n += 1
            candidate = numbered(n)
        self.taken.add(candidate.lower())
        return candidate


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i"})


def mail_local_part(first_name: str, last_name: str) -> str:
    """The ASCII local part mail systems hand out: Jörg Müller-Şahin, joerg.mueller-sahin."""
    name = f"{first_name}.{last_name}".lower().translate(_UMLAUTS)
    # Other accents (Popović) lose their mark: NFKD splits it off as a separate character.
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9.-]", "", name)


def insert_rows(model_or_table, rows: list[dict]) -> None:
    """Insert many rows in chunks, as plain executemany (far faster than ORM RETURNING)."""
    table = getattr(model_or_table, "__table__", model_or_table)
    for start in range(0, len(rows), CHUNK_SIZE):
        db.session.execute(insert(table), rows[start : start + CHUNK_SIZE])


def ids_by(key_column, id_column) -> dict:
    """Map a unique column to the id, e.g. every school's name to its id after insert_rows."""
    return dict(db.session.execute(select(key_column, id_column)).all())
