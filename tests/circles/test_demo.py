"""The demo network's circles: two by Schulform, two by Sozialraum, a year of meetings."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from netzwerk.circles import queries
from netzwerk.circles.models import Circle, CircleKind, CircleMeeting, Minutes
from netzwerk.db import db, utcnow
from netzwerk.demo import network
from netzwerk.demo.circles import build_circles
from netzwerk.mailing.models import ListSegment, MailingList


@pytest.fixture()
def demo(app):
    ctx = network.build_network()
    if build_circles not in network.BUILDERS:
        build_circles(ctx)
    db.session.commit()
    return ctx


def test_four_circles_two_by_schulform_two_by_sozialraum(demo):
    kinds = db.session.execute(select(Circle.kind)).scalars().all()
    assert sorted(kinds) == sorted([CircleKind.SCHOOL_FORM] * 2 + [CircleKind.DISTRICT] * 2)
    for circle in db.session.execute(select(Circle)).scalars():
        rows = queries.moderators_by_circle([circle.id])[circle.id]
        assert 1 <= len(rows) <= 2
        assert queries.member_counts([circle.id])[circle.id] >= 3
        segment = db.session.execute(
            select(ListSegment).join(MailingList).where(MailingList.circle_id == circle.id)
        ).scalar_one()
        assert segment.circle_id == circle.id


def test_a_year_of_monthly_meetings_with_a_skipped_and_a_moved_one(demo):
    now = utcnow()
    for circle in db.session.execute(select(Circle)).scalars():
        past = queries.past_meetings(circle, now, days=370)
        assert len(past) >= 9, circle.name
        assert queries.upcoming_meetings(circle, now, limit=3)
        meetings = db.session.execute(
            select(CircleMeeting).where(CircleMeeting.circle_id == circle.id)
        ).scalars()
        assert {m.is_skipped for m in meetings} == {True, False}
        minutes = db.session.execute(
            select(func.count()).where(Minutes.circle_id == circle.id)
        ).scalar_one()
        assert minutes >= 4


def test_one_circle_is_flagged_for_missing_minutes(demo):
    rows = queries.overview_rows(utcnow(), timedelta(days=90))
    assert [row.circle.name for row in rows if row.is_stale] == ["QZ Sozialraum Nordstadt"]
