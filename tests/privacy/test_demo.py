"""The demo shows an open erasure request, so the overview is not empty on a fresh clone."""

from sqlalchemy import select

from netzwerk.db import db
from netzwerk.demo.context import DemoContext
from netzwerk.demo.privacy import build_erasure_request
from netzwerk.privacy.models import ErasureRequest, ErasureRequestState
from tests import factories


def test_the_demo_adds_one_open_request(app):
    members = [factories.make_member() for _ in range(3)]
    ctx = DemoContext(scale=1, member_ids=[m.id for m in members], demo_member_id=members[0].id)

    build_erasure_request(ctx)

    request = db.session.execute(select(ErasureRequest)).scalar_one()
    assert request.state == ErasureRequestState.OPEN
    assert request.member_id in {members[1].id, members[2].id}
