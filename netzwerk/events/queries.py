"""Reads shared by event pages: registration counts for many events in one statement."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from netzwerk.db import db
from netzwerk.events.models import Event, Registration, RegistrationState
from netzwerk.events.operations import workshop_seats_taken


def counts_by_event(event_ids: Iterable[int]) -> dict[int, dict[RegistrationState, int]]:
    """{event_id: {state: n}} with every state present (0 when none), in one query.

    Keys are RegistrationState members, which compare equal to their string values,
    so counts[event.id]["confirmed"] works as well.
    """
    ids = list(dict.fromkeys(event_ids))
    counts = {event_id: dict.fromkeys(RegistrationState, 0) for event_id in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(Registration.event_id, Registration.state, func.count())
        .where(Registration.event_id.in_(ids))
        .group_by(Registration.event_id, Registration.state)
    ).all()
    for event_id, state, n in rows:
        counts[event_id][RegistrationState(state)] = n
    return counts


def attended_counts(event_ids: Iterable[int]) -> dict[int, int]:
    """{event_id: n} of registrations marked as attended, in one query."""
    ids = list(dict.fromkeys(event_ids))
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    rows = db.session.execute(
        select(Registration.event_id, func.count())
        .where(Registration.event_id.in_(ids), Registration.attended_dt.is_not(None))
        .group_by(Registration.event_id)
    ).all()
    counts.update(dict(rows))
    return counts


def workshop_counts(event: Event) -> dict[int, int]:
    """{workshop_id: n} of seats assigned (confirmed participants) in each workshop."""
    return workshop_seats_taken(event)


def group_counts(
    event: Event, states: Iterable[RegistrationState] = (RegistrationState.CONFIRMED,)
) -> dict[int | None, int]:
    """{group_id (None: no Berufsgruppe): n} of registrations in the given states."""
    rows = db.session.execute(
        select(Registration.group_id, func.count())
        .where(Registration.event_id == event.id, Registration.state.in_(list(states)))
        .group_by(Registration.group_id)
    ).all()
    return dict(rows)


def registrations_for(
    event: Event, search_terms: Iterable[str] = (), state: str | None = None
) -> list[Registration]:
    """The coordinator's list: every word must match a name or the e-mail address.

    state is a RegistrationState value or "attended". Workshop picks and the
    Berufsgruppe come along, so the page costs the same statements for 5 or 500 people.
    """
    query = (
        select(Registration)
        .where(Registration.event_id == event.id)
        .options(selectinload(Registration.workshop_choices), selectinload(Registration.group))
    )
    for term in search_terms:
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(term.lower(), autoescape=True)
                    for column in (
                        Registration.first_name,
                        Registration.last_name,
                        Registration.email,
                    )
                )
            )
        )
    if state == "attended":
        query = query.where(Registration.attended_dt.is_not(None))
    elif state:
        query = query.where(Registration.state == RegistrationState(state))
    query = query.order_by(
        func.lower(Registration.last_name), func.lower(Registration.first_name), Registration.id
    )
    return list(db.session.execute(query).scalars().all())


def waiting_positions(event: Event) -> dict[int, int]:
    """{registration_id: place on the waiting list, from 1}."""
    ids = db.session.execute(
        select(Registration.id)
        .where(Registration.event_id == event.id, Registration.state == RegistrationState.WAITING)
        .order_by(Registration.created_dt, Registration.id)
    ).scalars()
    return {registration_id: n for n, registration_id in enumerate(ids, start=1)}
