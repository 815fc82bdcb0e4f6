"""Builds the whole demo network, one builder per domain, in one transaction.

Later issues add their builders (events, lists, circles, topics) to BUILDERS; each
receives the DemoContext with what the builders before it made.
"""

from collections.abc import Callable

from sqlalchemy import func, select

from netzwerk.db import db
from netzwerk.demo.accounts import build_accounts
from netzwerk.demo.circles import build_circles
from netzwerk.demo.context import DemoContext
from netzwerk.demo.events import build_events
from netzwerk.demo.mailing import build_lists
from netzwerk.demo.mailing_messages import build_messages
from netzwerk.demo.newcomers import build_applications
from netzwerk.demo.people import build_employers, build_groups, build_people
from netzwerk.demo.privacy import build_erasure_request
from netzwerk.demo.schools import build_districts, build_schools
from netzwerk.demo.topics import build_topics
from netzwerk.members.models import Member

BUILDERS: tuple[Callable[[DemoContext], None], ...] = (
    build_groups,
    build_districts,
    build_employers,
    build_schools,
    build_people,
    build_accounts,
    build_events,
    build_lists,
    build_messages,
    build_topics,
    build_circles,
    build_applications,
    build_erasure_request,
)


def has_members() -> bool:
    return db.session.execute(select(func.count()).select_from(Member)).scalar_one() > 0


def build_network(scale: int = 1) -> DemoContext:
    """Add the demo network to the session (flushed, not committed)."""
    ctx = DemoContext(scale=scale)
    for build in BUILDERS:
        build(ctx)
    return ctx
