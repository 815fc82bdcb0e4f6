"""Capacity never overbooks: 60 members register at once, through the app, for 10 places
and a workshop of 4 seats."""

import threading

from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from netzwerk import create_app
from netzwerk.accounts.models import Role, User
from netzwerk.db import db
from netzwerk.events.models import Registration, RegistrationState, Workshop, WorkshopChoice
from netzwerk.members.models import Member
from tests import factories

PLACES = 10
PEOPLE = 60
FORUM_SEATS = 4


def make_members_with_accounts(n: int) -> list[str]:
    """n members who can log in. A cheap hash keeps 60 logins quick: this test is about
    registrations, and SQLite would otherwise queue 60 slow password checks."""
    password_hash = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1000")
    group, employer = factories.get_group("schuso"), factories.make_employer()
    emails = [f"ansturm{i}@example.org" for i in range(n)]
    user_ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {
                "email": e,
                "name": f"Fachkraft {i}",
                "role": Role.MEMBER,
                "password_hash": password_hash,
            }
            for i, e in enumerate(emails)
        ],
    ).all()
    db.session.execute(
        insert(Member),
        [
            {
                "first_name": "Fachkraft",
                "last_name": f"Nr. {i}",
                "email": e,
                "group_id": group.id,
                "employer_id": employer.id,
                "user_id": user_id,
            }
            for i, (e, user_id) in enumerate(zip(emails, user_ids, strict=True))
        ],
    )
    db.session.commit()
    return emails


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
    emails = make_members_with_accounts(PEOPLE)
    # Every request gets its own pooled connection; the fixture's pool would make them queue.
    racing_app = create_app(
        {
            **app.config,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_pre_ping": True,
                "pool_size": PEOPLE + 5,
                "max_overflow": 10,
                "pool_timeout": 60,
            }
            if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
            else {"pool_pre_ping": True},
        }
    )
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
        client = racing_app.test_client()
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
    with racing_app.app_context():
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
