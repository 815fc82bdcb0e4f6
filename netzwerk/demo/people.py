"""Demo Berufsgruppen, Träger and Fachkräfte, each at one or two schools."""

from datetime import timedelta

from sqlalchemy import select

from netzwerk.db import db, utcnow
from netzwerk.demo.context import (
    COORDINATOR_EMAIL,
    MEMBER_EMAIL,
    DemoContext,
    SchoolRef,
    UniqueNames,
    ids_by,
    insert_rows,
    mail_local_part,
)
from netzwerk.demo.names import EMPLOYERS, FIRST_NAMES, LAST_NAMES, MEMBER_NOTES
from netzwerk.members.models import Employer, EmployerKind, Member, SchoolForm, member_schools
from netzwerk.members.seed import ensure_standard_groups

# Members per group at scale 1 (with the demo login, 100): SchuSo is by far the largest.
MEMBERS_PER_GROUP = {"schuso": 49, "sofa": 22, "mpt": 16, "sds": 12}

# Who employs each group, roughly as in NRW: SOFA and MPT are Land posts, SDS is municipal.
EMPLOYER_KIND_WEIGHTS = {
    "schuso": {EmployerKind.LAND: 3, EmployerKind.KOMMUNE: 2, EmployerKind.FREIER_TRAEGER: 5},
    "sofa": {EmployerKind.LAND: 9, EmployerKind.KOMMUNE: 1, EmployerKind.FREIER_TRAEGER: 0},
    "mpt": {EmployerKind.LAND: 8, EmployerKind.KOMMUNE: 0, EmployerKind.FREIER_TRAEGER: 2},
    "sds": {EmployerKind.LAND: 0, EmployerKind.KOMMUNE: 8, EmployerKind.FREIER_TRAEGER: 2},
}

# The Schulformen a group works at; groups not named here work at every Schulform.
GROUP_SCHOOL_FORMS = {
    "sofa": {SchoolForm.GRUNDSCHULE},
    "sds": {SchoolForm.GRUNDSCHULE, SchoolForm.HAUPTSCHULE, SchoolForm.FOERDERSCHULE},
}

INACTIVE_SHARE = 0.06
LISTED_SHARE = 0.4
SECOND_SCHOOL_SHARE = 0.25
NOTE_SHARE = 0.05


def build_groups(ctx: DemoContext) -> None:
    ctx.groups = ensure_standard_groups()


def build_employers(ctx: DemoContext) -> None:
    existing = {(e.kind, e.name): e for e in db.session.execute(select(Employer)).scalars()}
    for kind, name, domain in EMPLOYERS:
        employer = existing.get((kind, name))
        if employer is None:
            employer = Employer(kind=kind, name=name)
            db.session.add(employer)
        ctx.employers.append((employer, domain))
    db.session.flush()
    ctx.counts["Träger"] = len(EMPLOYERS)


def phone_number(ctx: DemoContext) -> str:
    return f"0123 4567-{ctx.rng.randint(10, 99)}"


def taken_member_emails() -> UniqueNames:
    taken = set(db.session.execute(select(Member.email)).scalars())
    return UniqueNames(taken | {COORDINATOR_EMAIL, MEMBER_EMAIL})


def claim_email(emails: UniqueNames, first_name: str, last_name: str, domain: str) -> str:
    local = mail_local_part(first_name, last_name)
    return emails.claim(f"{local}@{domain}", lambda n: f"{local}{n}@{domain}")


def _allowed(slug: str, school: SchoolRef) -> bool:
    forms = GROUP_SCHOOL_FORMS.get(slug)
    return forms is None or school.form in forms


def pick_employer(ctx: DemoContext, slug: str) -> tuple[Employer, str]:
    weights = EMPLOYER_KIND_WEIGHTS[slug]
    kind = ctx.rng.choices(list(weights), weights=list(weights.values()))[0]
    return ctx.rng.choice(ctx.employers_of(kind))


def _member_rows(ctx: DemoContext) -> tuple[list[dict], list[str]]:
    """Rows for the members table, and each member's group slug."""
    rng, now = ctx.rng, utcnow()
    emails = taken_member_emails()
    rows, slugs = [], []
    for slug, per_scale in MEMBERS_PER_GROUP.items():
        for _ in range(per_scale * ctx.scale):
            first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            employer, domain = pick_employer(ctx, slug)
            rows.append(
                {
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": claim_email(emails, first_name, last_name, domain),
                    "phone": phone_number(ctx),
                    "group_id": ctx.groups[slug].id,
                    "employer_id": employer.id,
                    "notes": rng.choice(MEMBER_NOTES) if rng.random() < NOTE_SHARE else "",
                    "is_active": True,
                    "listed_in_directory": False,
                    "directory_consent_dt": None,
                    "created_dt": now - timedelta(days=rng.randint(30, 1500)),
                }
            )
            slugs.append(slug)
    for row in rng.sample(rows, round(len(rows) * INACTIVE_SHARE)):
        row["is_active"] = False
    for row in rng.sample(rows, round(len(rows) * LISTED_SHARE)):
        row["listed_in_directory"] = True
        row["directory_consent_dt"] = row["created_dt"] + timedelta(days=rng.randint(0, 20))
    return rows, slugs


def _assign_schools(ctx: DemoContext, slugs: list[str], actives: list[bool]) -> list[list[int]]:
    """School ids per member: every covered school gets at least one active member first."""
    rng = ctx.rng
    schools: list[list[int]] = [[] for _ in slugs]
    waiting: dict[str, list[int]] = {}
    for index in range(len(slugs)):
        if actives[index]:
            waiting.setdefault(slugs[index], []).append(index)
    for school in rng.sample(ctx.covered_schools, len(ctx.covered_schools)):
        candidates = [slug for slug, queue in waiting.items() if queue and _allowed(slug, school)]
        if candidates:
            slug = rng.choices(candidates, weights=[len(waiting[s]) for s in candidates])[0]
            index = waiting[slug].pop()
        else:  # more schools than active members: someone takes a second school
            index = rng.choice(
                [i for i, slug in enumerate(slugs) if actives[i] and slug == "schuso"]
            )
        schools[index].append(school.id)

    pools = {slug: [s.id for s in ctx.covered_schools if _allowed(slug, s)] for slug in set(slugs)}
    for index, slug in enumerate(slugs):
        pool = pools[slug]
        if not schools[index]:
            schools[index].append(rng.choice(pool))
        if len(schools[index]) == 1 and len(pool) > 1 and rng.random() < SECOND_SCHOOL_SHARE:
            second = rng.choice(pool)
            if second not in schools[index]:
                schools[index].append(second)
    return schools


def build_people(ctx: DemoContext) -> None:
    rows, slugs = _member_rows(ctx)
    insert_rows(Member, rows)
    ids = ids_by(Member.email, Member.id)
    ctx.member_ids = [ids[row["email"]] for row in rows]
    school_ids = _assign_schools(ctx, slugs, [row["is_active"] for row in rows])
    links = [
        {"member_id": member_id, "school_id": school_id}
        for member_id, schools in zip(ctx.member_ids, school_ids, strict=True)
        for school_id in schools
    ]
    insert_rows(member_schools, links)
    ctx.counts["Fachkräfte"] = len(rows)
