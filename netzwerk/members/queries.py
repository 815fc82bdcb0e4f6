"""Reads over members and schools that several pages share."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from netzwerk.db import db
from netzwerk.members.models import (
    District,
    Employer,
    EmployerKind,
    Member,
    ProfessionalGroup,
    School,
    SchoolForm,
    member_schools,
)


@dataclass(frozen=True)
class CoverageSummary:
    schools_total: int
    schools_covered: int
    members_active: int

    @property
    def schools_uncovered(self) -> int:
        return self.schools_total - self.schools_covered


def coverage_summary(school_filter=None) -> CoverageSummary:
    """ "N von M Schulen mit Fachkräften" and "N Fachkräfte", over active members only.

    school_filter: optional extra WHERE clause on School (Schulform, Sozialraum).
    Without a filter every active member counts, also one not yet assigned to a school.
    """
    # Joins rather than "school_id IN (filtered schools)": SQLite would probe every
    # (member, school) combination for the IN list, which takes seconds at 1,000 schools.
    total = select(func.count(School.id))
    active_pairs = (
        select(member_schools.c.school_id, member_schools.c.member_id)
        .join(Member, Member.id == member_schools.c.member_id)
        .join(School, School.id == member_schools.c.school_id)
        .where(Member.is_active)
    )
    if school_filter is not None:
        total = total.where(school_filter)
        active_pairs = active_pairs.where(school_filter)
    active_pairs = active_pairs.subquery()
    covered = select(func.count(func.distinct(active_pairs.c.school_id)))
    if school_filter is None:
        members = select(func.count(Member.id)).where(Member.is_active)
    else:
        members = select(func.count(func.distinct(active_pairs.c.member_id)))
    total, covered_count, member_count = db.session.execute(
        select(total.scalar_subquery(), covered.scalar_subquery(), members.scalar_subquery())
    ).one()
    return CoverageSummary(total, covered_count, member_count)


def school_filter(
    *, school_form: SchoolForm | None = None, district_id: int | None = None, search: str = ""
):
    """A WHERE clause on School for the list and coverage filters, or None for all schools."""
    clauses = []
    if school_form is not None:
        clauses.append(School.school_form == school_form)
    if district_id is not None:
        clauses.append(School.district_id == district_id)
    if search:
        clauses.append(School.name.icontains(search, autoescape=True))
    return and_(*clauses) if clauses else None


def all_districts() -> list[District]:
    return list(db.session.execute(select(District).order_by(District.name)).scalars())


def all_groups() -> list[ProfessionalGroup]:
    return list(
        db.session.execute(
            select(ProfessionalGroup).order_by(ProfessionalGroup.position, ProfessionalGroup.name)
        ).scalars()
    )


def _active_count(member_id_column):
    # Counts only the active members' ids: inactive rows give NULL, which count() skips.
    return func.count(case((Member.is_active, member_id_column)))


def schools_page(where, page: int, per_page: int):
    query = select(School).options(joinedload(School.district)).order_by(School.name)
    if where is not None:
        query = query.where(where)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def active_members_per_school(school_ids) -> dict[int, int]:
    if not school_ids:
        return {}
    rows = db.session.execute(
        select(member_schools.c.school_id, func.count())
        .join(Member, Member.id == member_schools.c.member_id)
        .where(Member.is_active, member_schools.c.school_id.in_(school_ids))
        .group_by(member_schools.c.school_id)
    )
    return dict(rows.all())


def members_of_school(school: School) -> list[tuple[ProfessionalGroup | None, list[Member]]]:
    """The school's members (active first) grouped by Berufsgruppe in list order."""
    members = db.session.execute(
        select(Member)
        .join(member_schools, member_schools.c.member_id == Member.id)
        .outerjoin(ProfessionalGroup, ProfessionalGroup.id == Member.group_id)
        .where(member_schools.c.school_id == school.id)
        .options(contains_eager(Member.group), joinedload(Member.employer))
        .order_by(
            ProfessionalGroup.position.is_(None),
            ProfessionalGroup.position,
            ProfessionalGroup.name,
            Member.is_active.desc(),
            Member.last_name,
            Member.first_name,
        )
    ).scalars()
    grouped: dict[int | None, tuple[ProfessionalGroup | None, list[Member]]] = {}
    for member in members:
        grouped.setdefault(member.group_id, (member.group, []))[1].append(member)
    return list(grouped.values())


def groups_with_counts() -> list[tuple[ProfessionalGroup, int, int]]:
    """(group, active members, all members), in list order."""
    rows = db.session.execute(
        select(ProfessionalGroup, _active_count(Member.id), func.count(Member.id))
        .outerjoin(Member, Member.group_id == ProfessionalGroup.id)
        .group_by(ProfessionalGroup.id)
        .order_by(ProfessionalGroup.position, ProfessionalGroup.name)
    )
    return list(rows)


def employers_with_counts() -> list[tuple[Employer, int, int]]:
    """(employer, active members, all members): Land, Kommune, then freie Träger by name."""
    rows = db.session.execute(
        select(Employer, _active_count(Member.id), func.count(Member.id))
        .outerjoin(Member, Member.employer_id == Employer.id)
        .group_by(Employer.id)
        .order_by(Employer.name)
    )
    kinds = list(EmployerKind)
    return sorted(rows, key=lambda row: kinds.index(row[0].kind))


def districts_with_counts() -> list[tuple[District, int]]:
    """(district, number of schools), by name."""
    rows = db.session.execute(
        select(District, func.count(School.id))
        .outerjoin(School, School.district_id == District.id)
        .group_by(District.id)
        .order_by(District.name)
    )
    return list(rows)


# --- coverage ------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCoverage:
    """One Berufsgruppe's reach; group None stands for members without a Berufsgruppe."""

    group: ProfessionalGroup | None
    schools_covered: int
    members: int

    @property
    def key(self) -> int | None:
        return self.group.id if self.group else None


@dataclass(frozen=True)
class CoveringMember:
    id: int
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class SchoolCoverage:
    id: int
    name: str
    school_form: SchoolForm
    district_name: str | None
    members_by_group: dict[int | None, list[CoveringMember]] = field(default_factory=dict)

    @property
    def is_covered(self) -> bool:
        return bool(self.members_by_group)


@dataclass(frozen=True)
class CoverageBreakdown:
    label: str
    schools_covered: int
    schools_total: int


@dataclass(frozen=True)
class CoverageReport:
    summary: CoverageSummary
    groups: list[GroupCoverage]
    schools: list[SchoolCoverage]  # the table's rows, after "nur ohne Fachkraft"
    by_school_form: list[CoverageBreakdown]
    by_district: list[CoverageBreakdown]


def coverage_report(where=None, *, uncovered_only: bool = False) -> CoverageReport:
    """Everything the coverage page shows, in a fixed number of statements.

    Loads the filtered schools once and the active member-school pairs once and counts
    in Python, so the page costs the same few queries for 40 schools or 1,000.
    """
    schools_query = (
        select(School.id, School.name, School.school_form, District.name)
        .outerjoin(District, District.id == School.district_id)
        .order_by(School.name)
    )
    pairs_query = (
        select(
            member_schools.c.school_id,
            Member.id,
            Member.group_id,
            Member.first_name,
            Member.last_name,
        )
        .join(Member, Member.id == member_schools.c.member_id)
        .join(School, School.id == member_schools.c.school_id)
        .where(Member.is_active)
        .order_by(Member.last_name, Member.first_name, Member.id)
    )
    if where is not None:
        schools_query = schools_query.where(where)
        pairs_query = pairs_query.where(where)

    schools = {row[0]: SchoolCoverage(*row) for row in db.session.execute(schools_query)}
    members_per_group: dict[int | None, set[int]] = defaultdict(set)
    schools_per_group: dict[int | None, set[int]] = defaultdict(set)
    for school_id, member_id, group_id, first_name, last_name in db.session.execute(pairs_query):
        schools[school_id].members_by_group.setdefault(group_id, []).append(
            CoveringMember(member_id, first_name, last_name)
        )
        members_per_group[group_id].add(member_id)
        schools_per_group[group_id].add(school_id)

    groups = [
        GroupCoverage(g, len(schools_per_group[g.id]), len(members_per_group[g.id]))
        for g in all_groups()
    ]
    if None in members_per_group:
        groups.append(
            GroupCoverage(None, len(schools_per_group[None]), len(members_per_group[None]))
        )

    rows = list(schools.values())
    return CoverageReport(
        summary=coverage_summary(where),
        groups=groups,
        schools=[s for s in rows if not s.is_covered] if uncovered_only else rows,
        by_school_form=_breakdown(
            rows, lambda s: s.school_form, order=list(SchoolForm), label=lambda f: f.label
        ),
        by_district=_breakdown(
            rows,
            lambda s: s.district_name,
            order=sorted({s.district_name for s in rows if s.district_name}) + [None],
            label=lambda name: name or "ohne Sozialraum",
        ),
    )


def _breakdown(rows, key, *, order, label) -> list[CoverageBreakdown]:
    total: Counter = Counter()
    covered: Counter = Counter()
    for school in rows:
        total[key(school)] += 1
        covered[key(school)] += school.is_covered
    return [CoverageBreakdown(label(k), covered[k], total[k]) for k in order if total[k]]
