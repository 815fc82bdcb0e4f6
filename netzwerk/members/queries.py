"""Reads over members and schools that several pages share."""

from collections import defaultdict
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
class SchoolPage:
    """One page of the coverage table, with what the shared pagination macro reads."""

    items: list[SchoolCoverage]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass(frozen=True)
class CoverageReport:
    summary: CoverageSummary
    groups: list[GroupCoverage]
    schools: SchoolPage  # the table's rows on this page, after "nur ohne Fachkraft"
    by_school_form: list[CoverageBreakdown]
    by_district: list[CoverageBreakdown]


def coverage_report(
    where=None, *, uncovered_only: bool = False, page: int = 1, per_page: int = 50
) -> CoverageReport:
    """Everything the coverage page shows, in a fixed number of statements.

    The figures are counted by the database; only the schools of the requested page are
    loaded with their members, so a request holds one page, not every school in the Land.
    """
    covered_ids = (
        select(member_schools.c.school_id)
        .join(Member, Member.id == member_schools.c.member_id)
        .where(Member.is_active)
    )
    by_school_form, by_district = _coverage_breakdowns(where, covered_ids)
    groups, members_active = _coverage_by_group(where)
    schools_total = sum(row.schools_total for row in by_school_form)
    schools_covered = sum(row.schools_covered for row in by_school_form)
    summary = CoverageSummary(schools_total, schools_covered, members_active)

    total = summary.schools_uncovered if uncovered_only else schools_total
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    schools_query = (
        select(School.id, School.name, School.school_form, District.name)
        .outerjoin(District, District.id == School.district_id)
        .order_by(School.name)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    if where is not None:
        schools_query = schools_query.where(where)
    if uncovered_only:
        schools_query = schools_query.where(School.id.not_in(covered_ids))
    schools = {row[0]: SchoolCoverage(*row) for row in db.session.execute(schools_query)}
    _add_covering_members(schools)
    return CoverageReport(
        summary=summary,
        groups=groups,
        schools=SchoolPage(list(schools.values()), page, per_page, total),
        by_school_form=by_school_form,
        by_district=by_district,
    )


def _coverage_breakdowns(where, covered_ids):
    """Schools with and without active members per Schulform and per Sozialraum."""
    # One uncorrelated IN list of covered schools, built once, not a probe per school.
    is_covered = case((School.id.in_(covered_ids), 1))
    query = (
        select(School.school_form, District.name, func.count(School.id), func.count(is_covered))
        .outerjoin(District, District.id == School.district_id)
        .group_by(School.school_form, District.name)
    )
    if where is not None:
        query = query.where(where)
    forms: dict[SchoolForm, list[int]] = defaultdict(lambda: [0, 0])
    districts: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for school_form, district_name, total, covered in db.session.execute(query):
        for counts in (forms[school_form], districts[district_name]):
            counts[0] += covered
            counts[1] += total
    district_order = sorted(name for name in districts if name) + [None]
    return (
        [CoverageBreakdown(f.label, *forms[f]) for f in SchoolForm if f in forms],
        [
            CoverageBreakdown(name or "ohne Sozialraum", *districts[name])
            for name in district_order
            if name in districts
        ],
    )


def _coverage_by_group(where) -> tuple[list[GroupCoverage], int]:
    """Each Berufsgruppe's covered schools and active members there, and the number of
    active members the summary shows: all of them, or with a filter those at its schools."""
    at_schools = select(member_schools.c.member_id, member_schools.c.school_id).join(
        School, School.id == member_schools.c.school_id
    )
    if where is not None:
        at_schools = at_schools.where(where)
    at_schools = at_schools.subquery()
    # Active members joined to their (filtered) schools, members without one kept: they
    # count in the unfiltered summary, not in any group's reach.
    rows = db.session.execute(
        select(
            Member.group_id,
            func.count(func.distinct(at_schools.c.school_id)),
            func.count(func.distinct(case((at_schools.c.school_id.is_not(None), Member.id)))),
            func.count(func.distinct(Member.id)),
        )
        .outerjoin(at_schools, at_schools.c.member_id == Member.id)
        .where(Member.is_active)
        .group_by(Member.group_id)
    ).all()
    reach = {group_id: (schools, members) for group_id, schools, members, _ in rows}
    groups = [GroupCoverage(g, *reach.get(g.id, (0, 0))) for g in all_groups()]
    if reach.get(None, (0, 0))[1]:
        groups.append(GroupCoverage(None, *reach[None]))
    at_any_school = sum(members for _, _, members, _ in rows)
    members_active = at_any_school if where is not None else sum(row[3] for row in rows)
    return groups, members_active


def _add_covering_members(schools: dict[int, SchoolCoverage]) -> None:
    """The active members at the page's schools, by Berufsgruppe, sorted by name."""
    # Inactive members are skipped here, not in SQL: with is_active in the WHERE clause,
    # SQLite walks all active members through their index instead of the page's schools.
    pairs = db.session.execute(
        select(
            member_schools.c.school_id,
            Member.id,
            Member.group_id,
            Member.first_name,
            Member.last_name,
            Member.is_active,
        )
        .join(Member, Member.id == member_schools.c.member_id)
        .where(member_schools.c.school_id.in_(list(schools)))
        .order_by(Member.last_name, Member.first_name, Member.id)
    )
    for school_id, member_id, group_id, first_name, last_name, is_active in pairs:
        if not is_active:
            continue
        schools[school_id].members_by_group.setdefault(group_id, []).append(
            CoveringMember(member_id, first_name, last_name)
        )
