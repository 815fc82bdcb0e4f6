"""The two demo logins: a coordinator and a SchuSo member with an account."""

from netzwerk.accounts.models import Role, User
from netzwerk.accounts.operations import find_user_by_email
from netzwerk.db import db, utcnow
from netzwerk.demo.context import COORDINATOR_EMAIL, DEMO_PASSWORD, MEMBER_EMAIL, DemoContext
from netzwerk.demo.people import phone_number
from netzwerk.members.models import EmployerKind, Member, School, SchoolForm

LOGIN_LABELS = {Role.COORDINATOR: "Koordinierung", Role.MEMBER: "Fachkraft"}


def _demo_user(ctx: DemoContext, email: str, name: str, role: Role) -> User:
    # An account someone already set up under this address is left untouched.
    user = find_user_by_email(email)
    if user is None:
        user = User(email=email, name=name, role=role)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        ctx.logins.append((LOGIN_LABELS[role], email, DEMO_PASSWORD))
    return user


def build_accounts(ctx: DemoContext) -> None:
    coordinator = _demo_user(ctx, COORDINATOR_EMAIL, "Katrin Albers", Role.COORDINATOR)
    user = _demo_user(ctx, MEMBER_EMAIL, "Lena Brinkmann", Role.MEMBER)
    school = next(
        (s for s in ctx.covered_schools if s.form == SchoolForm.GRUNDSCHULE),
        ctx.covered_schools[0],
    )
    employer = ctx.employers_of(EmployerKind.FREIER_TRAEGER)[0][0]
    member = Member(
        first_name="Lena",
        last_name="Brinkmann",
        email=MEMBER_EMAIL,
        phone=phone_number(ctx),
        group=ctx.groups["schuso"],
        employer=employer,
        schools=[db.session.get(School, school.id)],
        listed_in_directory=True,
        directory_consent_dt=utcnow(),
        invited_dt=utcnow(),
        user=user if user.member is None else None,
    )
    db.session.add(member)
    db.session.flush()
    ctx.coordinator_id, ctx.demo_member_id = coordinator.id, member.id
    ctx.member_ids.append(member.id)
    ctx.counts["Fachkräfte"] = ctx.counts.get("Fachkräfte", 0) + 1


def working_demo_logins() -> list[tuple[str, str, str]]:
    """(label, e-mail, password) of the demo logins that still work (nobody changed them)."""
    logins = []
    for email in (COORDINATOR_EMAIL, MEMBER_EMAIL):
        user = find_user_by_email(email)
        if user is not None and user.is_enabled and user.check_password(DEMO_PASSWORD):
            logins.append((LOGIN_LABELS[user.role], email, DEMO_PASSWORD))
    return logins
