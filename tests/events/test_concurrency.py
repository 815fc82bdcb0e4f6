"""Capacity never overbooks: 60 members register at once, through the app, for 10 places
and a workshop of 4 seats."""

import threading

from sqlalchemy import func, select

from netzwerk.db import db
from netzwerk.events.models import Registration, RegistrationState, Workshop, WorkshopChoice
from tests import factories
from tests.helpers import make_members_with_accounts, racing_app

PLACES = 10
PEOPLE = 60
FORUM_SEATS = 4


def test_sixty_members_registering_at_once_fill_exactly_ten_places(app):
    # Everyone wants Forum A (4 seats), with Forum B as second choice: the workshop's
    # seats are counted under the same lock as the event's places.
    event = factories.make_event(
        capacity=PLACES,
        allows_second_choice=True,
        workshops=[("Forum A", 1, FORUM_SEATS), ("Forum B", 1, None)],
    )
    event_id = event.id
    picks = {"slot_1": str(event.workshops[0].id), "slot_1_second": str(event.workshops[1].id)}
    emails = make_members_with_accounts(PEOPLE, "ansturm")
    racer = racing_app(app, PEOPLE)
    # The test's own session must hold no transaction (on SQLite: no write lock) meanwhile.
    db.session.commit()
    db.session.remove()

    barrier = threading.Barrier(PEOPLE)
    statuses: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def register(email: str) -> None:
        # No app context is active in this thread, so every request pushes its own: its own
        # session and pooled connection, closed at teardown (no transaction held in between).
        client = racer.test_client()
        try:
            login = client.post("/login", data={"email": email, "password": factories.PASSWORD})
            assert login.status_code == 302, login.status_code
            barrier.wait(timeout=120)
            response = client.post(f"/veranstaltungen/{event_id}/anmelden", data=picks)
            with lock:
                statuses.append(response.status_code)
        except BaseException as exc:  # reported below; a dead thread must not hang the barrier
            barrier.abort()
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=register, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    with racer.app_context():
        db.engine.dispose()

    assert not failures, failures
    assert len(statuses) == PEOPLE
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(302) == PEOPLE  # every one ends on their result page
    counts = dict(
        db.session.execute(
            select(Registration.state, func.count())
            .where(Registration.event_id == event_id)
            .group_by(Registration.state)
        ).all()
    )
    assert counts == {
        RegistrationState.CONFIRMED: PLACES,
        RegistrationState.WAITING: PEOPLE - PLACES,
    }
    seats = dict(
        db.session.execute(
            select(Workshop.title, func.count())
            .join(WorkshopChoice, WorkshopChoice.workshop_id == Workshop.id)
            .join(Registration, Registration.id == WorkshopChoice.registration_id)
            .where(
                Workshop.event_id == event_id,
                WorkshopChoice.is_assigned,
                Registration.state == RegistrationState.CONFIRMED,
            )
            .group_by(Workshop.title)
        ).all()
    )
    assert seats == {"Forum A": FORUM_SEATS, "Forum B": PLACES - FORUM_SEATS}
    unassigned_seats = db.session.execute(
        select(func.count())
        .select_from(WorkshopChoice)
        .join(Registration, Registration.id == WorkshopChoice.registration_id)
        .where(WorkshopChoice.is_assigned, Registration.state != RegistrationState.CONFIRMED)
    ).scalar_one()
    assert unassigned_seats == 0  # nobody waiting holds a seat
