"""Segments: live rules over members that follow member changes, opt-outs, the rule editor."""

from sqlalchemy import select

from netzwerk.circles.models import Circle, CircleKind, CircleMembership, MembershipState
from netzwerk.db import db
from netzwerk.mailing import lists
from netzwerk.mailing.list_queries import lists_for_member
from netzwerk.mailing.models import ListSegment
from netzwerk.mailing.recipients import count_recipients, list_recipients
from netzwerk.members.models import EmployerKind, SchoolForm
from netzwerk.members.operations import deactivate_member, update_member, update_profile
from tests import factories
from tests.helpers import text_of
from tests.mailing.list_helpers import count, working_list


def _emails(mailing_list) -> list[str]:
    db.session.expire_all()
    return sorted(r.email for r in list_recipients(mailing_list))


def test_a_member_who_changes_group_leaves_alle_sofa_by_itself(app):
    sofa = factories.get_group("sofa")
    moving = factories.make_member(email="wechselt@example.org", group="sofa")
    factories.make_member(email="bleibt@example.org", group="sofa")
    alle_sofa = working_list(name="Alle SOFA", segments=[{"group_id": sofa.id}])
    alle_schuso = working_list(
        name="Alle SchuSo", segments=[{"group_id": factories.get_group("schuso").id}]
    )
    assert _emails(alle_sofa) == ["bleibt@example.org", "wechselt@example.org"]

    update_member(moving, group=factories.get_group("schuso"))
    db.session.commit()

    assert _emails(alle_sofa) == ["bleibt@example.org"]
    assert _emails(alle_schuso) == ["wechselt@example.org"]
    assert db.session.execute(
        select(ListSegment.group_id).order_by(ListSegment.id)
    ).scalars().all() == [
        sofa.id,
        factories.get_group("schuso").id,
    ]


def test_schools_circles_and_deactivation_move_members_too(app):
    gym = factories.make_school(school_form=SchoolForm.GYMNASIUM)
    primary = factories.make_school(school_form=SchoolForm.GRUNDSCHULE)
    member = factories.make_member(email="fachkraft@example.org", schools=[gym])
    circle = Circle(name="QZ Grundschulen", kind=CircleKind.SCHOOL_FORM)
    db.session.add(circle)
    db.session.commit()
    primaries = working_list(segments=[{"school_form": SchoolForm.GRUNDSCHULE}])
    qz = working_list(segments=[{"circle_id": circle.id}])
    assert _emails(primaries) == _emails(qz) == []

    update_profile(member, phone="", schools=[primary], listed_in_directory=False)
    db.session.add(CircleMembership(circle=circle, member=member, state=MembershipState.REQUESTED))
    db.session.commit()
    assert _emails(primaries) == ["fachkraft@example.org"]
    assert _emails(qz) == []  # a request to join is no membership yet

    db.session.execute(select(CircleMembership)).scalar_one().state = MembershipState.ACTIVE
    db.session.commit()
    assert _emails(qz) == ["fachkraft@example.org"]

    deactivate_member(member)
    db.session.commit()
    assert _emails(primaries) == _emails(qz) == []


def test_an_opt_out_holds_whatever_the_member_changes(app):
    member = factories.make_member(email="raus@example.org", group="sofa")
    factories.make_member(email="drin@example.org", group="sofa")
    mailing_list = working_list(segments=[{"group_id": factories.get_group("sofa").id}, {}])

    lists.unsubscribe(mailing_list, member.email)
    update_member(member, group=factories.get_group("mpt"))
    db.session.commit()

    assert _emails(mailing_list) == ["drin@example.org"]
    (state,) = [s for s in lists_for_member(member) if s.mailing_list.id == mailing_list.id]
    assert state.opted_out and state.via_segment and not state.receives


def test_the_editor_adds_a_rule_and_counts_who_it_reaches_now(coordinator_client):
    land = factories.make_employer(EmployerKind.LAND, "Land NRW")
    for n in range(3):
        factories.make_member(group="sofa", employer=land, email=f"sofa{n}@example.org")
    factories.make_member(group="schuso", employer=land)
    mailing_list = working_list(name="Alle SOFA")
    sofa = factories.get_group("sofa")

    response = coordinator_client.post(
        f"/verwaltung/verteiler/{mailing_list.id}/segmente",
        data={"gruppe": str(sofa.id), "traeger_art": "land"},
        follow_redirects=True,
    )

    page = text_of(response.text)
    assert "Die Regel „SOFA · Träger: Land“ gehört jetzt zum Verteiler." in page
    assert "SOFA · Träger: Land 3" in page
    assert count_recipients(mailing_list) == 3


def test_checking_the_count_saves_nothing(coordinator_client):
    factories.make_member(group="sofa")
    factories.make_member(group="schuso")
    mailing_list = working_list()
    sofa = factories.get_group("sofa")

    response = coordinator_client.get(
        f"/verwaltung/verteiler/{mailing_list.id}?vorschau=1&gruppe={sofa.id}&schulform="
    )

    assert "Die Regel „SOFA“ passt jetzt auf 1 aktives Mitglied." in text_of(response.text)
    assert count(ListSegment) == 0


def test_a_rule_without_conditions_reaches_every_active_member(coordinator_client):
    factories.make_member()
    factories.make_member(group="mpt")
    factories.make_member(is_active=False)
    mailing_list = working_list()

    response = coordinator_client.post(
        f"/verwaltung/verteiler/{mailing_list.id}/segmente", data={}, follow_redirects=True
    )

    assert "Alle aktiven Mitglieder 2" in text_of(response.text)


def test_the_same_rule_twice_and_unknown_choices_are_refused(coordinator_client):
    mailing_list = working_list(segments=[{"school_form": SchoolForm.GYMNASIUM}])
    url = f"/verwaltung/verteiler/{mailing_list.id}/segmente"

    twice = coordinator_client.post(url, data={"schulform": "gymnasium"}, follow_redirects=True)
    assert "Diese Regel gehört schon zum Verteiler." in twice.text
    unknown = coordinator_client.post(url, data={"gruppe": "9999", "schulform": "kita"})
    assert unknown.status_code == 200
    assert "Bitte wählen Sie eine Berufsgruppe aus der Liste." in unknown.text
    assert "Bitte wählen Sie eine Schulform aus der Liste." in unknown.text
    assert count(ListSegment) == 1


def test_removing_a_rule(coordinator_client):
    factories.make_member()
    mailing_list = working_list(segments=[{}])
    segment_id = db.session.execute(select(ListSegment.id)).scalar_one()

    response = coordinator_client.post(
        f"/verwaltung/verteiler/{mailing_list.id}/segmente/{segment_id}/entfernen",
        follow_redirects=True,
    )

    assert "Die Regel „Alle aktiven Mitglieder“ ist entfernt." in text_of(response.text)
    assert count(ListSegment) == 0
    assert count_recipients(mailing_list) == 0
