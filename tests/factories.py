"""Data factories for tests: make_member(...), make_school(...), and friends."""

import itertools

from sqlalchemy import select

from netzwerk.accounts.models import Role, User
from netzwerk.db import db
from netzwerk.members.models import (
    District,
    Employer,
    EmployerKind,
    Member,
    ProfessionalGroup,
    School,
    SchoolForm,
)

PASSWORD = "ein langes Testpasswort"
_counter = itertools.count(1)

STANDARD_GROUPS = [
    ("schuso", "SchuSo", "Schulsozialarbeit"),
    ("sofa", "SOFA", "Sozialpädagogische Fachkraft in der Schuleingangsphase"),
    ("mpt", "MPT", "Fachkraft in Multiprofessionellen Teams"),
    ("sds", "SDS", "Sozialdienst Schule"),
]


def make_user(*, email=None, name="Test Person", role=Role.MEMBER, password=PASSWORD) -> User:
    n = next(_counter)
    user = User(email=email or f"user{n}@example.org", name=name, role=role)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_coordinator(**kwargs) -> User:
    kwargs.setdefault("name", "Karin Koordinatorin")
    kwargs.setdefault("email", f"koordination{next(_counter)}@example.org")
    return make_user(role=Role.COORDINATOR, **kwargs)


def get_group(slug: str = "schuso") -> ProfessionalGroup:
    group = db.session.execute(
        select(ProfessionalGroup).where(ProfessionalGroup.slug == slug)
    ).scalar_one_or_none()
    if group is None:
        for position, (s, name, description) in enumerate(STANDARD_GROUPS):
            if s == slug:
                group = ProfessionalGroup(
                    slug=s, name=name, description=description, position=position
                )
                break
        else:
            group = ProfessionalGroup(slug=slug, name=slug.upper(), position=99)
        db.session.add(group)
        db.session.commit()
    return group


def make_district(name: str = "Nord") -> District:
    district = db.session.execute(
        select(District).where(District.name == name)
    ).scalar_one_or_none()
    if district is None:
        district = District(name=name)
        db.session.add(district)
        db.session.commit()
    return district


def make_employer(kind=EmployerKind.FREIER_TRAEGER, name="AWO Musterstadt") -> Employer:
    employer = db.session.execute(
        select(Employer).where(Employer.kind == kind, Employer.name == name)
    ).scalar_one_or_none()
    if employer is None:
        employer = Employer(kind=kind, name=name)
        db.session.add(employer)
        db.session.commit()
    return employer


def make_school(name=None, school_form=SchoolForm.GRUNDSCHULE, district="Nord") -> School:
    school = School(
        name=name or f"Testschule {next(_counter)}",
        school_form=school_form,
        district=make_district(district) if district else None,
        street="Schulweg 1",
        postal_code="12345",
        city="Musterstadt",
    )
    db.session.add(school)
    db.session.commit()
    return school


def make_member(
    *,
    first_name="Maria",
    last_name=None,
    email=None,
    group="schuso",
    employer=None,
    schools=(),
    with_account=False,
    is_active=True,
    listed_in_directory=False,
) -> Member:
    n = next(_counter)
    member = Member(
        first_name=first_name,
        last_name=last_name or f"Muster{n}",
        email=(email or f"fachkraft{n}@example.org").lower(),
        group=get_group(group) if group else None,
        employer=employer or make_employer(),
        schools=list(schools),
        is_active=is_active,
        listed_in_directory=listed_in_directory,
    )
    if with_account:
        member.user = User(email=member.email, name=member.full_name, role=Role.MEMBER)
        member.user.set_password(PASSWORD)
    db.session.add(member)
    db.session.commit()
    return member


def make_event(*, capacity=10, days_ahead=30, hours=6, groups=(), workshops=(), **kwargs):
    """A published event `days_ahead` days from now; workshops as (title, slot, capacity)."""
    from datetime import timedelta

    from netzwerk.db import utcnow
    from netzwerk.events.models import Event, EventKind, EventState, Workshop

    start = kwargs.pop("start_dt", None) or utcnow() + timedelta(days=days_ahead)
    event = Event(
        title=kwargs.pop("title", f"Fachtag {next(_counter)}"),
        kind=kwargs.pop("kind", EventKind.FACHTAG),
        start_dt=start,
        end_dt=kwargs.pop("end_dt", None) or start + timedelta(hours=hours),
        state=kwargs.pop("state", EventState.PUBLISHED),
        capacity=capacity,
        target_groups=[get_group(slug) for slug in groups],
        **kwargs,
    )
    for title, slot, workshop_capacity in workshops:
        event.workshops.append(Workshop(title=title, slot=slot, capacity=workshop_capacity))
    db.session.add(event)
    db.session.commit()
    return event


def make_registration(
    event, member=None, *, picks=None, answers=None, attended=False, **member_kwargs
):
    """A member's registration through the real operation: confirmed, or waiting when full."""
    from netzwerk.events.desk_operations import mark_attended
    from netzwerk.events.operations import Applicant, register

    member = member or make_member(**member_kwargs)
    registration = register(event.id, Applicant.from_member(member, answers=answers), picks)
    if attended:
        mark_attended(registration)
    db.session.commit()
    return registration
