"""Votes under concurrent clicks, through the app: one member's double clicks count once,
twenty members clicking at once count twenty times."""

import threading

from netzwerk.db import db
from tests import factories
from tests.helpers import make_members_with_accounts, racing_app
from tests.topics.conftest import make_topic, reload, votes_for

CLICKS = 20


def click_at_once(app, emails: list[str], url: str) -> list[int]:
    """Log each e-mail in with its own client, then POST url from all at the same moment."""
    racer = racing_app(app, CLICKS)
    # The test's own session must hold no transaction (on SQLite: no write lock) meanwhile.
    db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(len(emails))
    statuses: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def click(email: str) -> None:
        client = racer.test_client()
        try:
            login = client.post("/login", data={"email": email, "password": factories.PASSWORD})
            assert login.status_code == 302, login.status_code
            barrier.wait(timeout=120)
            response = client.post(url)
            with lock:
                statuses.append(response.status_code)
        except BaseException as exc:  # reported below; a dead thread must not hang the barrier
            barrier.abort()
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=click, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    with racer.app_context():
        db.engine.dispose()
    assert not failures, failures
    return statuses


def test_twenty_concurrent_clicks_of_one_member_count_one_vote(app):
    topic_id = make_topic().id
    email = factories.make_member(with_account=True).email
    statuses = click_at_once(app, [email] * CLICKS, f"/themen/{topic_id}/abstimmen")

    assert len(statuses) == CLICKS
    assert all(status == 302 for status in statuses), statuses  # no error page
    assert votes_for(topic_id) == 1
    assert reload(topic_id).vote_count == 1


def test_twenty_members_voting_at_once_count_twenty(app):
    topic_id = make_topic().id
    emails = make_members_with_accounts(CLICKS, "stimme")
    statuses = click_at_once(app, emails, f"/themen/{topic_id}/abstimmen")

    assert all(status == 302 for status in statuses), statuses
    assert votes_for(topic_id) == CLICKS
    assert reload(topic_id).vote_count == CLICKS
