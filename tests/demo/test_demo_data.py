"""`flask demo-data`: a believable fictitious network, its logins and its coverage figures."""

import re

import pytest
from sqlalchemy import func, select, text

from netzwerk.accounts.models import User
from netzwerk.db import db
from netzwerk.demo.context import COORDINATOR_EMAIL, DEMO_PASSWORD, MEMBER_EMAIL
from netzwerk.members.models import (
    District,
    Employer,
    EmployerKind,
    Member,
    ProfessionalGroup,
    School,
    SchoolForm,
)
from netzwerk.members.seed import ensure_standard_groups
from netzwerk.newcomers.models import Application, ApplicationState


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def sql_count(query: str) -> int:
    return db.session.execute(text(query)).scalar_one()


@pytest.fixture()
def demo(runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    return result


def test_builds_about_40_schools_over_all_schulformen_and_5_sozialraeume(demo):
    assert 35 <= count(School) <= 45
    forms = set(db.session.execute(select(School.school_form).distinct()).scalars())
    assert forms == set(SchoolForm)
    assert count(District) == 5
    assert count(School, School.city != "Musterstadt") == 0
    postal_codes = db.session.execute(select(School.postal_code)).scalars()
    assert all(code.startswith("12") and len(code) == 5 for code in postal_codes)


def test_builds_about_100_members_in_all_four_groups_and_three_employer_kinds(demo):
    assert 90 <= count(Member) <= 110
    groups = db.session.execute(
        select(ProfessionalGroup.slug, func.count(Member.id))
        .join(Member, Member.group_id == ProfessionalGroup.id)
        .group_by(ProfessionalGroup.slug)
    ).all()
    sizes = dict(groups)
    assert set(sizes) == {"schuso", "sofa", "mpt", "sds"}
    assert sizes["schuso"] > sizes["sofa"] > sizes["mpt"] > sizes["sds"] > 0
    kinds = db.session.execute(
        select(Employer.kind).join(Member, Member.employer_id == Employer.id).distinct()
    ).scalars()
    assert set(kinds) == set(EmployerKind)


def test_members_work_at_one_or_two_schools_some_inactive_some_listed(demo):
    per_member = db.session.execute(
        text("SELECT member_id, COUNT(*) FROM member_schools GROUP BY member_id")
    ).all()
    assert len(per_member) == count(Member)
    assert {n for _, n in per_member} == {1, 2}
    assert 1 <= count(Member, Member.is_active.is_(False)) <= 10
    listed = count(Member, Member.listed_in_directory.is_(True))
    assert 0.3 * count(Member) <= listed <= 0.5 * count(Member)


def test_some_schools_have_no_professional_at_all(demo):
    uncovered = sql_count(
        "SELECT COUNT(*) FROM schools s WHERE NOT EXISTS "
        "(SELECT 1 FROM member_schools ms WHERE ms.school_id = s.id)"
    )
    assert 2 <= uncovered <= 8


def test_only_example_org_addresses_are_used(demo):
    addresses = [
        *db.session.execute(select(Member.email)).scalars(),
        *db.session.execute(select(User.email)).scalars(),
        *db.session.execute(select(Application.email)).scalars(),
    ]
    assert addresses
    for address in addresses:
        domain = address.rpartition("@")[2]
        assert domain == "example.org" or domain.endswith(".example.org"), address
        assert address.isascii() and address == address.lower(), address
    assert len(set(addresses)) >= count(Member)


def test_newcomer_applications_wait_in_the_queue_and_one_is_unconfirmed(demo):
    assert count(Application, Application.state == ApplicationState.CONFIRMED) >= 2
    assert count(Application, Application.state == ApplicationState.PENDING) == 1


def test_the_printed_demo_logins_work(demo, client):
    assert COORDINATOR_EMAIL in demo.output and MEMBER_EMAIL in demo.output
    assert DEMO_PASSWORD in demo.output

    response = client.post("/login", data={"email": COORDINATOR_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/verwaltung/mitglieder/").status_code == 200
    client.post("/logout")

    response = client.post("/login", data={"email": MEMBER_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/konto").status_code == 200
    member = db.session.execute(select(Member).where(Member.email == MEMBER_EMAIL)).scalar_one()
    assert member.group.slug == "schuso"
    assert member.user.email == MEMBER_EMAIL
    assert member.schools


def test_if_empty_leaves_a_filled_database_alone(demo, runner):
    before = (count(Member), count(School), count(Application), count(User))

    result = runner.invoke(args=["demo-data", "--if-empty"])

    assert result.exit_code == 0
    assert "bereits Mitglieder" in result.output
    assert (count(Member), count(School), count(Application), count(User)) == before


def test_without_if_empty_a_filled_database_is_refused(demo, runner):
    before = count(Member)
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code != 0
    assert "bereits Mitglieder" in result.output
    assert count(Member) == before


def test_if_empty_builds_the_network_into_an_empty_database(runner):
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert count(Member) >= 90


def test_scale_multiplies_the_network(runner):
    result = runner.invoke(args=["demo-data", "--scale", "3"])
    assert result.exit_code == 0, result.output
    assert 270 <= count(Member) <= 330
    # Schools grow a quarter as fast (a region has more professionals per school).
    assert count(School) == 40
    emails = db.session.execute(select(Member.email)).scalars().all()
    assert len(emails) == len(set(emails))


def test_start_page_shows_the_coverage_figures_of_the_demo_network(demo, client):
    total = sql_count("SELECT COUNT(*) FROM schools")
    covered = sql_count(
        "SELECT COUNT(DISTINCT ms.school_id) FROM member_schools ms "
        "JOIN members m ON m.id = ms.member_id WHERE m.is_active"
    )
    active = sql_count("SELECT COUNT(*) FROM members WHERE is_active")
    assert 0 < covered < total

    page = client.get("/").get_data(as_text=True)

    assert f"{covered} von {total}" in page
    assert re.search(rf'class="figure">\s*{active}\s*<', page)


def test_standard_groups_are_created_once_and_renames_are_kept(app):
    ensure_standard_groups()
    db.session.commit()
    schuso = db.session.execute(
        select(ProfessionalGroup).where(ProfessionalGroup.slug == "schuso")
    ).scalar_one()
    schuso.name = "Schulsozialarbeit"
    db.session.commit()

    groups = ensure_standard_groups()
    db.session.commit()

    assert count(ProfessionalGroup) == 4
    assert groups["schuso"].name == "Schulsozialarbeit"
    rows = db.session.execute(
        select(ProfessionalGroup.slug, ProfessionalGroup.name, ProfessionalGroup.position).order_by(
            ProfessionalGroup.position
        )
    ).all()
    assert [(slug, position) for slug, _, position in rows] == [
        ("schuso", 0),
        ("sofa", 1),
        ("mpt", 2),
        ("sds", 3),
    ]
    assert rows[1].name == "SOFA"
