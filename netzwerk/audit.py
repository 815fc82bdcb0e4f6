"""The audit log of coordinators' actions on personal data."""

from flask_login import current_user

from netzwerk.accounts.models import AuditEntry
from netzwerk.db import db


def record_audit(action: str, object_type: str, object_id: int | None, summary: str = "") -> None:
    actor_id = current_user.id if current_user and current_user.is_authenticated else None
    db.session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            summary=summary[:500],
        )
    )
