"""Every main page costs the same few SQL statements for a small network and one three
times larger (issue 8: at most 8 per page, the same at both sizes), and none of them
loads a relationship lazily: such a load raises, naming the relationship.

The pages are requested from a second app on the same database: each request then has
its own app context and session, as under gunicorn, and nothing the test loaded (the
logged-in user, its member profile) is already at hand. SQLite's BEGIN is not counted:
PostgreSQL's driver begins without a statement, and the limit is about queries.
"""

from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from netzwerk import create_app
from netzwerk.db import db, utcnow
from netzwerk.events.models import EventKind
from netzwerk.members.models import EmployerKind, ProfessionalGroup, SchoolForm
from tests import factories

STATEMENT_LIMIT = 8


class Network:
    """A network grown in units: schools, members at them, events with registrations."""

    def __init__(self):
        self.units = 0
        self.fachtag = None
        self.member = factories.make_member(with_account=True)

    def grow(self, units: int) -> None:
        for _ in range(units):
            self._unit(self.units)
            self.units += 1

    def _unit(self, n: int) -> None:
        land = factories.make_employer(EmployerKind.LAND, "Land NRW")
        schools = [
            factories.make_school(school_form=form, district=district)
            for form, district in ((SchoolForm.GRUNDSCHULE, "Nord"), (SchoolForm.GYMNASIUM, "Süd"))
        ]
        factories.make_school(school_form=SchoolForm.REALSCHULE)  # nobody works here
        members = [
            factories.make_member(
                group=group, employer=land if i % 2 == 0 else None, schools=[school]
            )
            for i, (group, school) in enumerate(
                [("schuso", schools[0]), ("schuso", schools[1]), ("sofa", schools[0])]
            )
        ]
        fachtag = factories.make_event(
            title=f"Fachtag {n}",
            days_ahead=20 + n,
            capacity=2,
            allows_guests=True,
            groups=("schuso",) if n % 2 else (),
            workshops=[("Kinderschutz", 1, 5), ("Mobbing", 1, 5)],
        )
        self.fachtag = self.fachtag or fachtag
        meeting = factories.make_event(
            title=f"Netzwerktreffen {n}", kind=EventKind.NETZWERKTREFFEN, days_ahead=40 + n
        )
        past = factories.make_event(title=f"Rückblick {n}", days_ahead=5)
        for listed in (self.fachtag, meeting, past):
            for member in members:
                picks = {1: [listed.workshops[0].id]} if listed.workshops else None
                factories.make_registration(listed, member, picks=picks)
        # Registered while it lay ahead; it has taken place since.
        past.start_dt, past.end_dt = (
            past.start_dt - timedelta(days=60),
            past.end_dt - timedelta(days=60),
        )
        db.session.commit()
        factories.make_registration(meeting, self.member)
        circle = factories.make_circle(
            members=members[:2], start_dt=utcnow() - timedelta(days=90)
        )
        self.circle = getattr(self, "circle", None) or circle


def schuso_id() -> int:
    return db.session.execute(
        select(ProfessionalGroup.id).where(ProfessionalGroup.slug == "schuso")
    ).scalar_one()


def personal_feed_url(network: Network) -> str:
    from netzwerk.calendar.tokens import renew_calendar_token

    token = network.member.user.calendar_token or renew_calendar_token(network.member.user)
    db.session.commit()
    return f"/kalender/privat/{token}.ics"


PAGES = {
    "start page": (False, lambda net: "/"),
    "event list": (False, lambda net: "/veranstaltungen/"),
    "event detail": (False, lambda net: f"/veranstaltungen/{net.fachtag.id}"),
    "member list with filters": (
        True,
        lambda net: (
            f"/verwaltung/mitglieder/?gruppe={schuso_id()}&traegerart=land"
            f"&schulform={SchoolForm.GRUNDSCHULE.value}&status=aktiv"
        ),
    ),
    "coverage": (True, lambda net: "/verwaltung/abdeckung"),
    "public feed": (False, lambda net: "/kalender.ics"),
    "group feed": (False, lambda net: "/kalender/schuso.ics"),
    "personal feed": (False, personal_feed_url),
    "circle feed": (False, lambda net: f"/kalender/qz/{net.circle.id}.ics"),
}


class LazyLoad(AssertionError):
    pass


def _refuse_lazy_loads(state) -> None:
    # lazy_loaded_from is set for a load of one object's relationship on first access;
    # selectinload and joinedload, which load for a whole page at once, leave it unset.
    if state.lazy_loaded_from is not None:
        raise LazyLoad(
            f"lazy load of {state.lazy_loaded_from.class_.__name__}: "
            f"{' '.join(str(state.statement).split())[:300]}"
        )


def statements_for(server, client, url: str) -> int:
    """SQL statements one GET of url costs in a request of its own."""
    # Counted cold, as right after a change: no feed bytes or kept aggregates at hand.
    server.extensions.pop("netzwerk.calendar", None)
    server.extensions.pop("netzwerk.memo", None)
    return _statements_of(server, lambda: client.get(url), 200)


def _statements_of(server, send, expected_status: int) -> int:
    """Statements the request that send() makes costs; lazy loads raise meanwhile."""
    db.session.commit()  # the test's own transaction must not hold SQLite's write lock
    with server.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    event.listen(Session, "do_orm_execute", _refuse_lazy_loads)
    try:
        response = send()
    finally:
        event.remove(Session, "do_orm_execute", _refuse_lazy_loads)
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == expected_status, (response.request.url, response.status_code)
    return len(statements)


@pytest.fixture()
def server(app):
    """The same app once more, serving requests outside the test's app context."""
    server = create_app(dict(app.config))
    yield server
    with server.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_costs_the_same_few_statements_for_a_network_three_times_larger(
    page, server, coordinator
):
    as_coordinator, url_for_network = PAGES[page]
    client = server.test_client()
    if as_coordinator:
        email = coordinator.email
        db.session.commit()
        client.post("/login", data={"email": email, "password": factories.PASSWORD})
    network = Network()
    network.grow(1)
    small = statements_for(server, client, url_for_network(network))

    network.grow(2)
    large = statements_for(server, client, url_for_network(network))

    assert large == small, f"{page}: {small} statements for the small network, {large} for 3×"
    assert large <= STATEMENT_LIMIT, f"{page}: {large} statements"


# A registration: load and lock the event (with target groups and workshops), the user,
# the member's Träger and schools, one count of places, any earlier registration, then
# INSERT the registration and its confirmation mail with the .ics.
REGISTRATION_STATEMENT_LIMIT = 10


def statements_for_post(server, client, url: str, data: dict) -> int:
    return _statements_of(server, lambda: client.post(url, data=data), 302)


def test_a_registration_costs_the_same_few_statements_however_full_the_event(server):
    event_ = factories.make_event(capacity=100, groups=("schuso", "sofa"))
    first = factories.make_member(with_account=True)
    later = factories.make_member(with_account=True)
    url = f"/veranstaltungen/{event_.id}/anmelden"
    emails = first.email, later.email
    db.session.commit()

    def register(email: str) -> int:
        client = server.test_client()
        client.post("/login", data={"email": email, "password": factories.PASSWORD})
        return statements_for_post(server, client, url, {})

    alone = register(emails[0])
    for _ in range(30):
        factories.make_registration(event_, factories.make_member())
    crowded = register(emails[1])

    assert crowded == alone, f"{alone} statements for the first, {crowded} for the 32nd"
    assert crowded <= REGISTRATION_STATEMENT_LIMIT, f"{crowded} statements"
