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


def make_mailing_list(*, name=None, segments=(), **kwargs):
    """A mailing list; segments as dicts of ListSegment conditions ({} reaches everyone)."""
    from netzwerk.mailing.models import ListSegment, ListVisibility, MailingList

    n = next(_counter)
    mailing_list = MailingList(
        slug=kwargs.pop("slug", f"verteiler-{n}"),
        name=name or f"Verteiler {n}",
        visibility=kwargs.pop("visibility", ListVisibility.CLOSED),
        segments=[ListSegment(**conditions) for conditions in segments],
        **kwargs,
    )
    db.session.add(mailing_list)
    db.session.commit()
    return mailing_list


def make_subscription(mailing_list, email, *, name="", member=None, state=None):
    """A subscription, confirmed (active) unless another state is given."""
    from netzwerk.db import utcnow
    from netzwerk.mailing.models import Subscription, SubscriptionState

    state = state or SubscriptionState.ACTIVE
    subscription = Subscription(
        list_id=mailing_list.id,
        email=email,
        name=name,
        member_id=member.id if member else None,
        state=state,
        confirmed_dt=utcnow() if state == SubscriptionState.ACTIVE else None,
    )
    db.session.add(subscription)
    db.session.commit()
    return subscription


def make_circle(
    *,
    name=None,
    moderators=(),
    members=(),
    requested=(),
    is_open=True,
    rule="FREQ=MONTHLY;BYDAY=2TU",
    start_dt=None,
    minutes=120,
    **kwargs,
):
    """A quality circle through the real operation (so with its mailing list).

    Without moderators one is made; members and requested are added as memberships
    directly, without mail. The schedule starts on start_dt (default: the 2nd Tuesday,
    14:00 Berlin, of the month half a year ago) unless rule is empty.
    """
    from datetime import timedelta

    from netzwerk.circles.models import CircleKind, CircleMembership, MembershipState
    from netzwerk.circles.operations import create_circle
    from netzwerk.db import utcnow

    moderators = list(moderators) or [make_member(first_name="Moritz")]
    circle = create_circle(
        moderator_ids=[m.id for m in moderators],
        name=name or f"QZ Test {next(_counter)}",
        kind=kwargs.pop("kind", CircleKind.THEMATIC),
        is_open=is_open,
        default_location=kwargs.pop("default_location", "Rathaus, Raum 3"),
        **kwargs,
    )
    for member in members:
        circle.memberships.append(CircleMembership(member_id=member.id))
    for member in requested:
        circle.memberships.append(
            CircleMembership(member_id=member.id, state=MembershipState.REQUESTED)
        )
    if rule:
        circle.schedule_rrule = rule
        circle.schedule_start_dt = start_dt or _second_tuesday_before(
            utcnow() - timedelta(days=182)
        )
        circle.schedule_minutes = minutes
    db.session.commit()
    return circle


def _second_tuesday_before(moment):
    """14:00 Berlin on the second Tuesday of moment's month."""
    from datetime import datetime, time

    from netzwerk.core.timeutil import combine_berlin, utc_to_berlin

    local = utc_to_berlin(moment).date().replace(day=1)
    first_tuesday = local.toordinal() + (1 - local.weekday()) % 7
    return combine_berlin(datetime.fromordinal(first_tuesday + 7).date(), time(14, 0))
