"""Who may do what in a quality circle.

Coordinators see and edit every circle. A circle's moderators edit it, its schedule,
meetings, minutes and membership. Active members read meetings and minutes. Everyone
else who is logged in sees only the public facts: name, kind, description, the next
meeting's date and whether the circle is open to join.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from netzwerk.circles.models import Circle, CircleMembership, CircleRole, MembershipState
from netzwerk.db import db


@dataclass(frozen=True)
class CircleAccess:
    is_coordinator: bool
    membership: CircleMembership | None

    @property
    def is_member(self) -> bool:
        """An active member of the circle (moderators included)."""
        return self.membership is not None and self.membership.state == MembershipState.ACTIVE

    @property
    def is_moderator(self) -> bool:
        return self.is_member and self.membership.role == CircleRole.MODERATOR

    @property
    def has_requested(self) -> bool:
        return self.membership is not None and self.membership.state == MembershipState.REQUESTED

    @property
    def can_manage(self) -> bool:
        """Edit the circle, its schedule, meetings, minutes and membership."""
        return self.is_coordinator or self.is_moderator

    @property
    def can_read(self) -> bool:
        """See meetings with their answers, members and minutes."""
        return self.is_coordinator or self.is_member


def access_for(circle: Circle, user=None) -> CircleAccess:
    user = current_user if user is None else user
    if not user.is_authenticated:
        return CircleAccess(is_coordinator=False, membership=None)
    membership = None
    if user.member is not None:
        membership = db.session.execute(
            select(CircleMembership).where(
                CircleMembership.circle_id == circle.id,
                CircleMembership.member_id == user.member.id,
            )
        ).scalar_one_or_none()
    return CircleAccess(is_coordinator=user.is_coordinator, membership=membership)


def require_manage(circle: Circle) -> CircleAccess:
    access = access_for(circle)
    if not access.can_manage:
        abort(403)
    return access


def require_read(circle: Circle) -> CircleAccess:
    access = access_for(circle)
    if not access.can_read:
        abort(403)
    return access
