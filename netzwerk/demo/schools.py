"""Demo Sozialräume and schools of Musterstadt, a few of them without any professional."""

import math

from sqlalchemy import select

from netzwerk.db import db
from netzwerk.demo.context import DemoContext, SchoolRef, UniqueNames, ids_by, insert_rows
from netzwerk.demo.names import (
    BERUFSKOLLEG_FIELDS,
    CITY,
    DISTRICTS,
    NAMESAKES,
    PLACES,
    SCHOOL_NAME_PATTERNS,
    SCHOOLS_PER_FORM,
    STREETS,
)
from netzwerk.members.models import District, School

UNCOVERED_PER_SCALE = 4


def build_districts(ctx: DemoContext) -> None:
    existing = {d.name: d for d in db.session.execute(select(District)).scalars()}
    for name in DISTRICTS:
        if name not in existing:
            existing[name] = District(name=name)
            db.session.add(existing[name])
    db.session.flush()
    ctx.district_ids = {name: existing[name].id for name in DISTRICTS}
    ctx.counts["Sozialräume"] = len(DISTRICTS)


NAME_TRIES = 5


def _school_name(ctx: DemoContext, names: UniqueNames, form, district: str) -> str:
    """A fresh name from the patterns if one turns up quickly, else a numbered Standort."""
    for _ in range(NAME_TRIES):
        name = ctx.rng.choice(SCHOOL_NAME_PATTERNS[form]).format(
            place=ctx.rng.choice(PLACES),
            person=ctx.rng.choice(NAMESAKES),
            district=district,
            field=ctx.rng.choice(BERUFSKOLLEG_FIELDS),
        )
        if names.is_free(name):
            break
    return names.claim(name, lambda n: f"{name} (Standort {n})")


def school_units(scale: int) -> int:
    """Schools grow a quarter as fast as members: a city has about 2.5 professionals per
    school, a state-wide network about 10 (scale 100: 10,000 members at 1,000 schools)."""
    return math.ceil(scale / 4)


def build_schools(ctx: DemoContext) -> None:
    rng = ctx.rng
    units = school_units(ctx.scale)
    names = UniqueNames(db.session.execute(select(School.name)).scalars())
    rows = []
    for form, per_scale in SCHOOLS_PER_FORM.items():
        for _ in range(per_scale * units):
            district = rng.choice(list(DISTRICTS))
            rows.append(
                {
                    "name": _school_name(ctx, names, form, district),
                    "school_form": form,
                    "district_id": ctx.district_ids[district],
                    "street": f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                    "postal_code": rng.choice(DISTRICTS[district]),
                    "city": CITY,
                }
            )
    insert_rows(School, rows)
    ids = ids_by(School.name, School.id)
    refs = [SchoolRef(ids[row["name"]], row["name"], row["school_form"]) for row in rows]
    uncovered = set(rng.sample(range(len(refs)), UNCOVERED_PER_SCALE * units))
    ctx.uncovered_schools = [ref for i, ref in enumerate(refs) if i in uncovered]
    ctx.covered_schools = [ref for i, ref in enumerate(refs) if i not in uncovered]
    ctx.counts["Schulen"] = len(refs)
