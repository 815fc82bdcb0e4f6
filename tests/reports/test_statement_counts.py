"""The dashboard and the yearly report cost the same few SQL statements for a small network
and one three times larger: every figure is aggregated by the database.

Uses the benchmark's network (schools, members, events with registrations, circles) and
adds to each unit what these pages count: topics, applications, failed and stuck mail,
bouncing addresses, sent list messages and minutes.
"""

from datetime import timedelta

import pytest

from netzwerk import create_app
from netzwerk.circles.models import Circle, Minutes
from netzwerk.db import db, utcnow
from netzwerk.mailing.models import OutboxState
from netzwerk.newcomers.models import ApplicationState
from netzwerk.topics.models import TopicState
from tests import factories
from tests.bench.test_statement_counts import Network, statements_for  # refuses lazy loads
from tests.reports.support import (
    make_application,
    make_list_message,
    make_outbox,
    make_suppression,
    make_topic,
)

# Each includes loading the logged-in user (with the member profile, in one statement).
# Dashboard: upcoming events, new registrations, the counters, failed list messages,
# circles without minutes (the limit for a page is 8).
DASHBOARD_LIMIT = 6
# Report: Berufsgruppen, members by group and by Träger, schools by Schulform and by
# Sozialraum, events, participants, circles and their meeting rows, topics, list messages.
REPORT_LIMIT = 12
FAILED_MAIL_LIMIT = 3  # the page and its count


class ReportNetwork(Network):
    def _unit(self, n: int) -> None:
        super()._unit(n)
        make_topic(TopicState.SUBMITTED, title=f"Thema {n}")
        make_topic(TopicState.DONE, title=f"Umgesetzt {n}")
        make_application(ApplicationState.CONFIRMED)
        mailing_list = factories.make_mailing_list(name=f"Liste {n}")
        message = make_list_message(mailing_list, sent=utcnow() - timedelta(days=3), recipients=4)
        make_outbox(OutboxState.FAILED, list_message=message)
        make_outbox(OutboxState.FAILED)
        make_outbox(OutboxState.QUEUED, due=utcnow() - timedelta(hours=5))
        make_suppression(f"weg{n}@example.org", bounces=3, suspended=True)
        circle = db.session.execute(
            db.select(Circle).order_by(Circle.id.desc()).limit(1)
        ).scalar_one()
        db.session.add(Minutes(circle_id=circle.id, occurrence_dt=utcnow(), text="P"))
        db.session.commit()


@pytest.fixture()
def server(app):
    """The same app once more, serving requests outside the test's app context."""
    server = create_app(dict(app.config))
    yield server
    with server.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("url", "limit"),
    [
        ("/verwaltung/", DASHBOARD_LIMIT),
        ("/verwaltung/jahresbericht", REPORT_LIMIT),
        ("/verwaltung/jahresbericht?zeitraum=schuljahr", REPORT_LIMIT),
        ("/verwaltung/jahresbericht.csv", REPORT_LIMIT),
        ("/verwaltung/jahresbericht.pdf", REPORT_LIMIT),
        ("/verwaltung/postausgang/fehler", FAILED_MAIL_LIMIT),
    ],
)
def test_the_page_costs_the_same_few_statements_for_a_network_three_times_larger(
    server, coordinator, url, limit
):
    client = server.test_client()
    email = coordinator.email
    db.session.commit()
    client.post("/login", data={"email": email, "password": factories.PASSWORD})
    network = ReportNetwork()
    network.grow(1)
    small = statements_for(server, client, url)

    network.grow(2)
    large = statements_for(server, client, url)

    assert large == small, f"{url}: {small} statements for the small network, {large} for 3×"
    assert large <= limit, f"{url}: {large} statements"
