"""What the load needs besides the demo network: logged-in sessions, the ids the paths name,
events to register for and a feed token. Written straight into the benchmark's database."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask, session
from flask_login import login_user
from netzwerk_bench.database import BENCH_SECRET_KEY, Database
from sqlalchemy import insert, select, update
from werkzeug.security import generate_password_hash

from netzwerk import create_app
from netzwerk.accounts.models import Role, User
from netzwerk.db import db, utcnow
from netzwerk.demo.context import COORDINATOR_EMAIL, MEMBER_EMAIL
from netzwerk.events.models import Event, EventKind, EventState
from netzwerk.members.models import EmployerKind, Member, ProfessionalGroup, SchoolForm

BENCH_EVENT_TITLE = "Benchmark: Netzwerktreffen"


@dataclass
class Fixtures:
    coordinator_cookie: str
    member_cookie: str  # the demo member: owner of the personal feed
    fachtag_id: int | None
    member_filters: str
    group_slug: str
    circle_id: int | None
    feed_token: str | None
    # (member id, session cookie): a fresh person for every POST
    people: list[tuple[int, str]] = field(default_factory=list)
    registration_events: list[tuple[int, int]] = field(default_factory=list)  # (id, capacity)
    vote_topic_ids: list[int] = field(default_factory=list)


def bench_app(database: Database) -> Flask:
    """The app in this process, as gunicorn will run it (same secret key, CSRF off)."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database.url,
            "SECRET_KEY": BENCH_SECRET_KEY,
            "WTF_CSRF_ENABLED": False,
        }
    )


def prepare(app: Flask, *, fresh_requests: int = 0) -> Fixtures:
    """Sessions and ids for the paths. For POSTs (fresh_requests > 0) also a pool of members
    with accounts, and enough events that every request can come from someone not yet
    registered there: one event per round through the pool."""
    with app.app_context():
        coordinator = _user(COORDINATOR_EMAIL)
        member_user = _user(MEMBER_EMAIL)
        if member_user.calendar_token is None:
            member_user.calendar_token = secrets.token_urlsafe(32)
        fixtures = Fixtures(
            coordinator_cookie=session_cookie(app, coordinator),
            member_cookie=session_cookie(app, member_user),
            fachtag_id=_next_fachtag(),
            member_filters=_member_filters(),
            group_slug="schuso",
            circle_id=_first_circle(),
            feed_token=member_user.calendar_token,
        )
        if fresh_requests:
            fixtures.people = _people_with_sessions(app, fresh_requests)
            pool = max(len(fixtures.people), 1)
            fixtures.registration_events = _registration_events(
                -(-fresh_requests // pool), capacity=max(pool // 2, 1)
            )
            fixtures.vote_topic_ids = _votable_topics()
        db.session.commit()
        db.engine.dispose()
    return fixtures


def session_cookie(app: Flask, user: User) -> str:
    """The Cookie header a browser would send after this user logged in."""
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        login_user(user)
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        for header in response.headers.getlist("Set-Cookie"):
            pair = header.split(";", 1)[0]
            if pair.split("=", 1)[0].endswith(cookie_name):
                return pair
    raise RuntimeError("Die Sitzung ließ sich nicht als Cookie speichern.")


def _user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def _next_fachtag() -> int | None:
    return db.session.execute(
        select(Event.id)
        .where(
            Event.kind == EventKind.FACHTAG,
            Event.state == EventState.PUBLISHED,
            Event.is_public,
            Event.start_dt > utcnow(),
        )
        .order_by(Event.start_dt)
        .limit(1)
    ).scalar_one_or_none()


def _member_filters() -> str:
    group_id = db.session.execute(
        select(ProfessionalGroup.id).where(ProfessionalGroup.slug == "schuso")
    ).scalar_one()
    return (
        f"gruppe={group_id}&traegerart={EmployerKind.LAND.value}"
        f"&schulform={SchoolForm.GRUNDSCHULE.value}&status=aktiv"
    )


def _first_circle() -> int | None:
    from netzwerk.circles.models import Circle

    return db.session.execute(select(Circle.id).order_by(Circle.id).limit(1)).scalar_one_or_none()


def _votable_topics() -> list[int]:
    from netzwerk.topics.models import TopicState, TopicSuggestion

    open_states = (TopicState.SUBMITTED, TopicState.IN_REVIEW, TopicState.ACCEPTED)
    return list(
        db.session.execute(
            select(TopicSuggestion.id)
            .where(TopicSuggestion.state.in_(open_states), TopicSuggestion.merged_into_id.is_(None))
            .order_by(TopicSuggestion.id)
        ).scalars()
    )


def _people_with_sessions(app: Flask, limit: int) -> list[tuple[int, str]]:
    """Active members, each with an account (made here, all with one password hash)."""
    without_account = db.session.execute(
        select(Member.id, Member.email, Member.first_name, Member.last_name)
        .where(Member.is_active, Member.user_id.is_(None))
        .order_by(Member.id)
        .limit(limit)
    ).all()
    if without_account:
        password_hash = generate_password_hash(secrets.token_hex(16), method="pbkdf2:sha256:1000")
        now = utcnow()
        db.session.execute(
            insert(User),
            [
                {
                    "email": email,
                    "name": f"{first} {last}",
                    "role": Role.MEMBER,
                    "password_hash": password_hash,
                    "password_changed_dt": now,
                    "is_enabled": True,
                    "session_version": 0,
                }
                for _, email, first, last in without_account
            ],
        )
        user_ids = dict(
            db.session.execute(
                select(User.email, User.id).where(User.email.in_([r[1] for r in without_account]))
            ).all()
        )
        db.session.execute(
            update(Member),
            [
                {"id": member_id, "user_id": user_ids[email]}
                for member_id, email, *_ in without_account
            ],
        )
    users = db.session.execute(
        select(Member.id, User)
        .join(User, User.id == Member.user_id)
        .where(Member.is_active, User.is_enabled, User.email != MEMBER_EMAIL)
        .order_by(Member.id)
        .limit(limit)
    ).all()
    return [(member_id, session_cookie(app, user)) for member_id, user in users]


def _registration_events(rounds: int, *, capacity: int) -> list[tuple[int, int]]:
    """Members-only events (the public pages stay as the demo built them), open now,
    room for half the pool: the other half goes to the waiting list."""
    now = utcnow()
    events = []
    for n in range(rounds):
        start = now + timedelta(days=60 + n)
        event = Event(
            title=f"{BENCH_EVENT_TITLE} {n + 1}",
            kind=EventKind.NETZWERKTREFFEN,
            start_dt=start,
            end_dt=start + timedelta(hours=2),
            venue="Rathaus, Ratssaal",
            state=EventState.PUBLISHED,
            is_public=False,
            capacity=capacity,
            registration_opens_dt=now - timedelta(days=1),
        )
        db.session.add(event)
        events.append(event)
    db.session.flush()
    return [(event.id, capacity) for event in events]
