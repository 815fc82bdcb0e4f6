"""Reminder mails a configurable number of days before an event, sent once per registration."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from netzwerk.db import db, utcnow
from netzwerk.events import notifications
from netzwerk.events.models import Event, EventState, Registration, RegistrationState


def _events_due(now: datetime) -> list[Event]:
    longest = db.session.execute(
        select(func.max(Event.reminder_days)).where(Event.state == EventState.PUBLISHED)
    ).scalar_one()
    if not longest:
        return []
    candidates = db.session.execute(
        select(Event).where(
            Event.state == EventState.PUBLISHED,
            Event.reminder_days.is_not(None),
            Event.reminder_days > 0,
            Event.start_dt > now,
            Event.start_dt <= now + timedelta(days=longest),
        )
    ).scalars()
    # The window differs per event, which is simpler to decide here than in portable SQL.
    return [e for e in candidates if e.start_dt <= now + timedelta(days=e.reminder_days)]


def send_reminders(now: datetime | None = None) -> int:
    """Queue a reminder for every confirmed registration of events starting soon; once each."""
    now = now or utcnow()
    events = _events_due(now)
    if not events:
        return 0
    registrations = db.session.execute(
        select(Registration)
        .where(
            Registration.event_id.in_([e.id for e in events]),
            Registration.state == RegistrationState.CONFIRMED,
            Registration.reminder_sent_dt.is_(None),
        )
        .options(selectinload(Registration.workshop_choices))
        .order_by(Registration.id)
        # Two runs at once (cron overlap) must not both mail the same person.
        .with_for_update(skip_locked=True)
    ).scalars()
    count = 0
    for registration in registrations:
        registration.reminder_sent_dt = now
        notifications.reminder(registration)
        count += 1
    db.session.flush()
    return count
