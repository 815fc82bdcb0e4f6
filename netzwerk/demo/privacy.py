"""Demo data protection: one member's open request for erasure in the coordinator's overview."""

from datetime import timedelta

from netzwerk.db import db, utcnow
from netzwerk.demo.context import DemoContext
from netzwerk.members.models import Member
from netzwerk.privacy.models import ErasureRequest


def build_erasure_request(ctx: DemoContext) -> None:
    candidates = [i for i in ctx.member_ids if i != ctx.demo_member_id]
    if not candidates:
        return
    member = db.session.get(Member, ctx.rng.choice(candidates))
    db.session.add(
        ErasureRequest(
            email=member.email,
            name=member.full_name,
            member_id=member.id,
            note="Ich wechsle zum Sommer in eine andere Stadt.",
            requested_dt=utcnow() - timedelta(days=3),
        )
    )
    db.session.flush()
    ctx.counts["Löschanträge"] = 1
