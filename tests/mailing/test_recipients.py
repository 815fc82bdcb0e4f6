"""Who a list reaches: subscribers and segment rules, one copy per person, no opted-out or
suspended address."""

from netzwerk.circles.models import Circle, CircleKind, CircleMembership, MembershipState
from netzwerk.db import db, utcnow
from netzwerk.mailing.models import EmailSuppression, ListOptOut, SubscriptionState
from netzwerk.mailing.recipients import (
    VIA_SEGMENT,
    VIA_SUBSCRIPTION,
    count_recipients,
    count_recipients_by_list,
    list_recipients,
)
from netzwerk.members.models import EmployerKind, SchoolForm
from tests import factories
from tests.mailing.support import count_statements


def _emails(mailing_list):
    return sorted(r.email for r in list_recipients(mailing_list))


def test_subscribers_and_segment_members_both_receive_once_each(app):
    sofa = factories.make_member(first_name="Sofia", email="sofa@example.org", group="sofa")
    factories.make_member(email="schuso@example.org", group="schuso")
    mailing_list = factories.make_mailing_list(segments=[{"group_id": sofa.group_id}])
    factories.make_subscription(mailing_list, "Extern@Example.org", name="Erika Extern")
    # Subscribed as well as matched by the segment: still one copy.
    factories.make_subscription(mailing_list, "SOFA@example.org", member=sofa)

    recipients = {r.email: r for r in list_recipients(mailing_list)}
    assert sorted(recipients) == ["extern@example.org", "sofa@example.org"]
    assert recipients["sofa@example.org"].first_name == "Sofia"
    assert recipients["sofa@example.org"].member_id == sofa.id
    assert recipients["sofa@example.org"].via == VIA_SUBSCRIPTION
    assert recipients["extern@example.org"].name == "Erika Extern"
    assert count_recipients(mailing_list) == 2


def test_a_rule_needs_all_its_conditions_and_any_rule_suffices(app):
    north_primary = factories.make_school(school_form=SchoolForm.GRUNDSCHULE, district="Nord")
    south_primary = factories.make_school(school_form=SchoolForm.GRUNDSCHULE, district="Süd")
    gym = factories.make_school(school_form=SchoolForm.GYMNASIUM, district="Nord")
    land = factories.make_employer(EmployerKind.LAND, "Land NRW")
    factories.make_member(email="a@example.org", schools=[north_primary])
    factories.make_member(email="b@example.org", schools=[south_primary])
    factories.make_member(email="c@example.org", schools=[gym], employer=land)
    factories.make_member(email="d@example.org", schools=[gym])
    north = factories.make_district("Nord")
    mailing_list = factories.make_mailing_list(
        segments=[
            {"school_form": SchoolForm.GRUNDSCHULE, "district_id": north.id},
            {"employer_kind": EmployerKind.LAND},
        ]
    )
    assert _emails(mailing_list) == ["a@example.org", "c@example.org"]
    assert all(r.via == VIA_SEGMENT for r in list_recipients(mailing_list))
    assert count_recipients(mailing_list) == 2


def test_circle_rules_follow_active_memberships_and_inactive_members_drop_out(app):
    circle = Circle(name="QZ Grundschulen", kind=CircleKind.SCHOOL_FORM)
    db.session.add(circle)
    inside = factories.make_member(email="drin@example.org")
    asking = factories.make_member(email="angefragt@example.org")
    gone = factories.make_member(email="weg@example.org", is_active=False)
    for member, state in (
        (inside, MembershipState.ACTIVE),
        (asking, MembershipState.REQUESTED),
        (gone, MembershipState.ACTIVE),
    ):
        db.session.add(CircleMembership(circle=circle, member_id=member.id, state=state))
    db.session.commit()
    mailing_list = factories.make_mailing_list(segments=[{"circle_id": circle.id}])
    assert _emails(mailing_list) == ["drin@example.org"]


def test_an_empty_rule_reaches_every_active_member(app):
    factories.make_member(email="eins@example.org")
    factories.make_member(email="zwei@example.org", group="mpt")
    factories.make_member(email="aus@example.org", is_active=False)
    mailing_list = factories.make_mailing_list(segments=[{}])
    assert _emails(mailing_list) == ["eins@example.org", "zwei@example.org"]


def test_opted_out_suspended_and_unconfirmed_addresses_get_nothing(app):
    factories.make_member(email="optout@example.org")
    factories.make_member(email="bleibt@example.org")
    mailing_list = factories.make_mailing_list(segments=[{}])
    factories.make_subscription(mailing_list, "offen@example.org", state=SubscriptionState.PENDING)
    factories.make_subscription(mailing_list, "gesperrt@example.org")
    db.session.add(ListOptOut(list_id=mailing_list.id, email="OptOut@example.org"))
    db.session.add(
        EmailSuppression(email="gesperrt@example.org", bounce_count=3, suspended_dt=utcnow())
    )
    # Counted bounces below the threshold do not suspend.
    db.session.add(EmailSuppression(email="bleibt@example.org", bounce_count=1))
    db.session.commit()
    assert _emails(mailing_list) == ["bleibt@example.org"]
    assert count_recipients(mailing_list) == 1


def test_counts_for_many_lists_come_in_one_statement(app):
    factories.make_member(email="x@example.org", group="sofa")
    factories.make_member(email="y@example.org", group="schuso")
    sofa = factories.get_group("sofa")
    everyone = factories.make_mailing_list(segments=[{}])
    only_sofa = factories.make_mailing_list(segments=[{"group_id": sofa.id}])
    newsletter = factories.make_mailing_list()
    factories.make_subscription(newsletter, "z@example.org")
    empty = factories.make_mailing_list()
    lists = [everyone, only_sofa, newsletter, empty]
    for ml in lists:
        ml.segments  # noqa: B018  (loaded up front, as a page would with selectinload)
    with count_statements() as statements:
        counts = count_recipients_by_list(lists)
    assert len(statements) == 1
    assert counts == {everyone.id: 2, only_sofa.id: 1, newsletter.id: 1, empty.id: 0}


def test_people_who_unsubscribed_get_nothing(app):
    mailing_list = factories.make_mailing_list()
    factories.make_subscription(
        mailing_list, "raus@example.org", state=SubscriptionState.UNSUBSCRIBED
    )
    assert list_recipients(mailing_list) == []
    assert count_recipients(mailing_list) == 0
