"""Polls of the public feeds answered again without Flask (calendar/replay.py): the same
answer Flask gives, with the request's own id, and only while the feed cannot change."""

from contextlib import contextmanager

import pytest
from flask import request_started
from werkzeug.test import Client

from netzwerk import create_app
from netzwerk.calendar.replay import Replay
from netzwerk.core import memo
from netzwerk.db import db
from netzwerk.events import admin_operations
from tests import factories
from tests.conftest import _test_config

FEEDS = ["/kalender.ics", "/kalender/schuso.ics"]


@pytest.fixture()
def feed_event(app):
    factories.get_group("schuso")
    return factories.make_event(title="Fachtag", groups=["schuso"])


@contextmanager
def flask_requests(app):
    """The requests that went through Flask (not answered by the replay) meanwhile."""
    seen = []

    def count(sender, **extra):
        seen.append(1)

    request_started.connect(count, app)
    try:
        yield seen
    finally:
        request_started.disconnect(count, app)


def flask_only(app) -> Client:
    """A client that reaches Flask past the replay."""
    replay = app.wsgi_app
    assert isinstance(replay, Replay)
    return Client(replay.wsgi_app)


def answer(response) -> tuple:
    return response.status, response.headers.to_wsgi_list(), response.data


@pytest.mark.parametrize("url", FEEDS)
@pytest.mark.parametrize("conditional", [False, True])
def test_a_repeated_poll_gets_flasks_answer_without_flask(
    app, client, feed_event, url, conditional
):
    headers = {"X-Request-ID": "poll-0001-abcd"}
    if conditional:
        headers["If-None-Match"] = client.get(url).headers["ETag"]
    client.get(url, headers=headers)

    with flask_requests(app) as through_flask:
        replayed = client.get(url, headers=headers)
    from_flask = flask_only(app).get(url, headers=headers)

    assert through_flask == []
    assert replayed.status_code == (304 if conditional else 200)
    assert answer(replayed) == answer(from_flask)


def test_each_replayed_answer_has_its_own_request_id(app, client, feed_event):
    client.get("/kalender.ics")
    ids = {client.get("/kalender.ics").headers["X-Request-ID"] for _ in range(3)}
    kept = client.get("/kalender.ics", headers={"X-Request-ID": "proxy-id-12345"})

    assert len(ids) == 3
    assert all(len(i) == 32 for i in ids)
    assert kept.headers["X-Request-ID"] == "proxy-id-12345"


def test_a_commit_ends_the_replay(app, client, feed_event):
    etag = client.get("/kalender.ics").headers["ETag"]
    assert client.get("/kalender.ics", headers={"If-None-Match": etag}).status_code == 304

    admin_operations.update_event(feed_event, feed_event.version, title="Fachtag, verlegt")
    db.session.commit()

    with flask_requests(app) as through_flask:
        response = client.get("/kalender.ics", headers={"If-None-Match": etag})
    assert through_flask == [1]
    assert response.status_code == 200
    assert "Fachtag\\, verlegt" in response.get_data(as_text=True)


def test_the_replay_ends_when_the_remembered_version_runs_out(app, client, feed_event, monkeypatch):
    client.get("/kalender.ics")
    later = memo.time.monotonic() + memo.DEFAULT_SECONDS
    monkeypatch.setattr(memo.time, "monotonic", lambda: later)

    with flask_requests(app) as through_flask:
        client.get("/kalender.ics")
    assert through_flask == [1]


def test_a_changed_setting_ends_the_replay(app, client, feed_event):
    client.get("/kalender.ics")
    app.config["ICAL_REFRESH"] = 6

    response = client.get("/kalender.ics")
    assert response.cache_control.max_age == 6 * 3600


def test_emptied_caches_end_the_replay(app, client, feed_event):
    client.get("/kalender.ics")
    app.extensions.pop("netzwerk.memo")

    with flask_requests(app) as through_flask:
        client.get("/kalender.ics")
    assert through_flask == [1]


@pytest.mark.parametrize(
    ("method", "headers", "query"),
    [
        ("GET", {"cookie": "x"}, ""),
        ("GET", {"If-Modified-Since": "Thu, 03 Dec 2026 16:08:35 GMT"}, ""),
        ("GET", {}, "?x=1"),
        ("HEAD", {}, ""),
    ],
)
def test_polls_that_may_be_answered_otherwise_go_through_flask(
    app, client, feed_event, method, headers, query
):
    if headers.pop("cookie", None):  # the test client sends only the cookies it holds
        client.set_cookie("netzwerk_session", "x", domain="netzwerk.test")
    for _ in range(2):
        client.open("/kalender.ics" + query, method=method, headers=headers)

    with flask_requests(app) as through_flask:
        client.open("/kalender.ics" + query, method=method, headers=headers)
    assert through_flask == [1]


def test_other_pages_are_never_replayed(app, client, feed_event):
    client.get("/kalender")
    with flask_requests(app) as through_flask:
        client.get("/kalender")
        client.get(f"/veranstaltungen/{feed_event.id}.ics")
        client.get(f"/veranstaltungen/{feed_event.id}.ics")
    assert through_flask == [1, 1, 1]


def test_https_behind_the_proxy_is_replayed_with_hsts_and_plain_http_without(
    app, database_url, tmp_path, feed_event
):
    config = _test_config(database_url, tmp_path / "proxied")
    proxied = create_app({**config, "PROXY_FIX_X_PROTO": 1})
    client = proxied.test_client()
    https = {"X-Forwarded-Proto": "https"}

    with proxied.app_context():
        client.get("/kalender.ics", headers=https)
        secure = client.get("/kalender.ics", headers=https)
        client.get("/kalender.ics")
        plain = client.get("/kalender.ics")
        db.session.remove()

    assert "Strict-Transport-Security" in secure.headers
    assert "Strict-Transport-Security" not in plain.headers


def test_answers_for_made_up_hosts_never_hold_more_than_the_byte_budget(
    app, client, feed_event, monkeypatch
):
    from netzwerk.calendar import replay as replay_module

    feed_size = len(client.get("/kalender.ics").data)
    monkeypatch.setattr(replay_module, "_MAX_BYTES", feed_size * 3)
    replay = app.wsgi_app

    for n in range(20):  # a stranger varying the Host header to fill the worker's memory
        client.get("/kalender.ics", headers={"Host": f"h{n}.example.org"})

    assert replay.bytes <= feed_size * 3
    assert sum(len(a.body) for a in replay.answers.values()) <= feed_size * 3
    assert len(replay.answers) >= 1  # and it still replays
