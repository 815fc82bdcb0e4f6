"""Reads for the coordinator's application queue."""

from sqlalchemy import func, select

from netzwerk.accounts.models import User
from netzwerk.db import db
from netzwerk.members.models import School
from netzwerk.newcomers.models import Application, ApplicationState

DECIDED_SHOWN = 50


def waiting_applications() -> list[Application]:
    """Confirmed applications waiting for a decision, the oldest first."""
    return list(
        db.session.execute(
            select(Application)
            .where(Application.state == ApplicationState.CONFIRMED)
            .order_by(Application.confirmed_dt, Application.id)
        ).scalars()
    )


def recently_decided(limit: int = DECIDED_SHOWN) -> list[tuple[Application, str | None]]:
    """The latest decisions, each with the name of the coordinator who made it."""
    return list(
        db.session.execute(
            select(Application, User.name)
            .outerjoin(User, User.id == Application.decided_by_id)
            .where(Application.state.in_([ApplicationState.ACCEPTED, ApplicationState.DECLINED]))
            .order_by(Application.decided_dt.desc(), Application.id.desc())
            .limit(limit)
        ).all()
    )


def pending_count() -> int:
    """Unconfirmed applications are only counted: their data is not the office's to see yet."""
    return db.session.execute(
        select(func.count())
        .select_from(Application)
        .where(Application.state == ApplicationState.PENDING)
    ).scalar_one()


def known_school_names() -> list[str]:
    return list(db.session.execute(select(School.name).order_by(School.name)).scalars())
