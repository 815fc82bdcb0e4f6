"""No state change on GET: every page, feed and file a browser, mail scanner or calendar
program may fetch leaves the database as it was (state changes take a POST with CSRF token,
tests/core/test_csrf.py)."""

import pytest
from sqlalchemy import event

from netzwerk.db import db
from tests import factories
from tests.helpers import get_urls

WRITES = ("INSERT", "UPDATE", "DELETE")
# Downloading personal data (CSV exports) is itself logged: the log grows, nothing changes.
AUDIT_LOG = "INSERT INTO audit_entries"


@pytest.fixture()
def network(app, coordinator):
    """One of everything, so that the walk's id 1 finds a real object in most routes."""
    member = factories.make_member(with_account=True)
    event_ = factories.make_event(allows_guests=True, workshops=[("Forum A", 1, 10)])
    factories.make_registration(event_, member)
    mailing_list = factories.make_mailing_list(has_archive=True)
    factories.make_subscription(mailing_list, member.email, member=member)
    factories.make_circle(moderators=[member])
    return member


@pytest.fixture()
def writes(app):
    seen = []

    def remember(conn, cursor, statement, *args):
        statement = statement.lstrip()
        if statement.upper().startswith(WRITES) and not statement.startswith(AUDIT_LOG):
            seen.append(statement.split("\n")[0][:120])

    event.listen(db.engine, "before_cursor_execute", remember)
    yield seen
    event.remove(db.engine, "before_cursor_execute", remember)


@pytest.mark.parametrize("who", ["coordinator", "member", "visitor"])
def test_no_get_request_writes_to_the_database(
    app, client, auth, network, coordinator, writes, who
):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    if who != "visitor":
        auth.login(coordinator.email if who == "coordinator" else network.email)
    db.session.commit()
    writes.clear()
    written, shown = {}, 0

    for url in get_urls(app):
        response = client.get(url)
        assert response.status_code < 500, url
        shown += response.status_code == 200
        if writes:
            written[url] = list(writes)
            writes.clear()

    assert written == {}
    assert shown >= {"coordinator": 80, "member": 35, "visitor": 15}[who]  # real pages, not 404s
