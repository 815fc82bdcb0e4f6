"""Feeds over HTTP: ETag, Last-Modified, 304 rules, caching headers, cheap repeats."""

from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from werkzeug.http import http_date

from netzwerk.db import db, utcnow
from netzwerk.events import admin_operations
from tests import factories
from tests.helpers import statements_for


@pytest.fixture()
def feed_event(app):
    factories.get_group("schuso")
    return factories.make_event(title="Fachtag", groups=["schuso"])


def count_statements(client, url, **headers):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):  # SQLite's explicit transaction start
            statements.append(statement)

    db.session.commit()
    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url, headers=headers)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    return response, len(statements)


def test_feeds_answer_text_calendar_with_etag_last_modified_and_cache_control(client, feed_event):
    response = client.get("/kalender.ics")

    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["ETag"]
    assert response.last_modified == feed_event.updated_dt.replace(microsecond=0)
    assert response.cache_control.public and response.cache_control.max_age == 3600


def test_last_modified_is_the_newest_change_not_the_time_of_the_request(client, feed_event):
    older = factories.make_event()
    older.updated_dt = utcnow() - timedelta(days=3)
    feed_event.updated_dt = utcnow() - timedelta(days=2)
    db.session.commit()

    response = client.get("/kalender.ics")
    assert response.last_modified == feed_event.updated_dt.replace(microsecond=0)


@pytest.mark.parametrize("url", ["/kalender.ics", "/kalender/schuso.ics"])
def test_matching_if_none_match_gets_304_without_a_body(client, feed_event, url):
    etag = client.get(url).headers["ETag"]
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag


def test_a_changed_event_changes_the_etag_and_the_feed(client, feed_event):
    first = client.get("/kalender.ics")
    admin_operations.update_event(feed_event, feed_event.version, title="Fachtag neu")
    db.session.commit()

    response = client.get("/kalender.ics", headers={"If-None-Match": first.headers["ETag"]})

    assert response.status_code == 200
    assert response.headers["ETag"] != first.headers["ETag"]
    assert b"SUMMARY:Fachtag neu" in response.data


def test_an_event_leaving_the_feed_changes_the_etag(client, feed_event):
    etag = client.get("/kalender.ics").headers["ETag"]
    feed_event.is_public = False
    db.session.commit()
    response = client.get("/kalender.ics", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert b"BEGIN:VEVENT" not in response.data


def test_if_modified_since_not_older_than_last_modified_gets_304(client, feed_event):
    last_modified = client.get("/kalender.ics").headers["Last-Modified"]
    assert (
        client.get("/kalender.ics", headers={"If-Modified-Since": last_modified}).status_code == 304
    )
    older = http_date(feed_event.updated_dt - timedelta(minutes=1))
    assert client.get("/kalender.ics", headers={"If-Modified-Since": older}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(client, feed_event):
    last_modified = client.get("/kalender.ics").headers["Last-Modified"]
    response = client.get(
        "/kalender.ics",
        headers={"If-None-Match": '"something-else"', "If-Modified-Since": last_modified},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "value", ["gestern", "Mon, 32 Foo 2026 99:99:99 GMT", "", "2026-11-21T10:00:00Z"]
)
def test_a_malformed_if_modified_since_is_ignored(client, feed_event, value):
    response = client.get("/kalender.ics", headers={"If-Modified-Since": value})
    assert response.status_code == 200 and b"BEGIN:VEVENT" in response.data


def test_an_if_modified_since_in_the_future_is_ignored(client, feed_event):
    tomorrow = http_date(utcnow() + timedelta(days=1))
    assert client.get("/kalender.ics", headers={"If-Modified-Since": tomorrow}).status_code == 200


def test_a_304_is_answered_from_one_small_query(client, feed_event):
    etag = client.get("/kalender.ics").headers["ETag"]
    response, statements = count_statements(client, "/kalender.ics", **{"If-None-Match": etag})
    assert response.status_code == 304
    assert statements == 1


def test_a_repeated_request_is_served_from_the_cache(client, feed_event):
    first = client.get("/kalender.ics")
    response, statements = count_statements(client, "/kalender.ics")
    assert response.data == first.data
    assert statements == 1


def make_events(n):
    for i in range(n):
        factories.make_event(title=f"Treffen {i}", groups=["schuso"], workshops=[("Forum", 1, 10)])


@pytest.mark.parametrize("url", ["/kalender.ics", "/kalender/schuso.ics"])
def test_public_feed_statement_count_does_not_grow_with_the_events(app, client, url):
    factories.get_group("schuso")
    make_events(2)
    app.extensions.pop("netzwerk.calendar", None)
    few = statements_for(client, url)
    make_events(8)
    app.extensions.pop("netzwerk.calendar", None)
    assert statements_for(client, url) == few


def test_only_the_changed_event_is_serialized_again(app, client):
    make_events(5)
    client.get("/kalender.ics")
    components = app.extensions["netzwerk.calendar"]["components"]
    assert len(components) == 5
    event = factories.make_event(title="Neu")
    client.get("/kalender.ics")
    assert len(components) == 6
    assert b"SUMMARY:Neu" in client.get("/kalender.ics").data
    assert event.id


def test_a_refresh_interval_from_the_environment_counts_hours(app, client, feed_event):
    # NETZWERK_ICAL_REFRESH=6 arrives as the number 6, not as a timedelta.
    app.config["ICAL_REFRESH"] = 6
    response = client.get("/kalender.ics")
    assert response.cache_control.max_age == 6 * 3600
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H" in response.data
    assert b"X-PUBLISHED-TTL:PT6H" in response.data
