"""The four standard Berufsgruppen, created idempotently (demo data, fresh installations)."""

from sqlalchemy import select

from netzwerk.db import db
from netzwerk.members.models import ProfessionalGroup

# (slug, name, description); the slug names the group's calendar feed /kalender/<slug>.ics.
STANDARD_GROUPS = (
    ("schuso", "SchuSo", "Schulsozialarbeit"),
    ("sofa", "SOFA", "Sozialpädagogische Fachkraft in der Schuleingangsphase"),
    ("mpt", "MPT", "Fachkraft in Multiprofessionellen Teams"),
    ("sds", "SDS", "Sozialdienst Schule"),
)


def ensure_standard_groups() -> dict[str, ProfessionalGroup]:
    """Create whichever standard groups are missing; return every group by slug.

    Existing groups are left as they are: a coordinator may have renamed them.
    A group that already carries a standard name under another slug stands in for it.
    """
    groups = db.session.execute(select(ProfessionalGroup)).scalars().all()
    by_slug = {group.slug: group for group in groups}
    by_name = {group.name.lower(): group for group in groups}
    for position, (slug, name, description) in enumerate(STANDARD_GROUPS):
        if slug in by_slug:
            continue
        if name.lower() in by_name:
            by_slug[slug] = by_name[name.lower()]
            continue
        group = ProfessionalGroup(slug=slug, name=name, description=description, position=position)
        db.session.add(group)
        by_slug[slug] = by_name[name.lower()] = group
    db.session.flush()
    return by_slug
