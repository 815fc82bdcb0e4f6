"""Reads over members and schools that several pages share."""

from dataclasses import dataclass

from sqlalchemy import func, select

from netzwerk.db import db
from netzwerk.members.models import Member, School, member_schools


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
    """
    schools = select(School.id)
    if school_filter is not None:
        schools = schools.where(school_filter)
    schools = schools.subquery()
    covered = (
        select(func.count(func.distinct(member_schools.c.school_id)))
        .join(Member, Member.id == member_schools.c.member_id)
        .where(Member.is_active, member_schools.c.school_id.in_(select(schools.c.id)))
        .scalar_subquery()
    )
    members = (
        select(func.count(func.distinct(Member.id)))
        .join(
            member_schools, Member.id == member_schools.c.member_id, isouter=school_filter is None
        )
        .where(Member.is_active)
    )
    if school_filter is not None:
        members = members.where(member_schools.c.school_id.in_(select(schools.c.id)))
    members = members.scalar_subquery()
    total, covered_count, member_count = db.session.execute(
        select(select(func.count()).select_from(schools).scalar_subquery(), covered, members)
    ).one()
    return CoverageSummary(total, covered_count, member_count)
