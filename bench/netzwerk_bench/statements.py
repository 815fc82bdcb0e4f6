"""Statements per request, counted in this process with Flask's test client: each page
once, cold, like the first request after a change (feeds are then built, not cached).
SQLite's BEGIN is left out, as in tests/bench/test_statement_counts.py."""

from __future__ import annotations

from flask import Flask
from netzwerk_bench.scenarios import Scenario
from sqlalchemy import event

from netzwerk.db import db


def count_statements(app: Flask, scenarios: list[Scenario]) -> dict[str, dict]:
    """key -> {"statements": n, "status": http status}, for every scenario with a route."""
    with app.app_context():
        engine = db.engine
    # No app context around the requests: each gets its own, as under gunicorn, so the
    # logged-in user of one page is not carried over (in flask.g) to the next.
    counts = {}
    for scenario in scenarios:
        if scenario.missing:
            continue
        request = scenario.requests[0]
        client = _client(app, request.headers)
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            # SQLite's BEGIN is not counted: PostgreSQL's driver begins without one.
            if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
                statements.append(statement)  # noqa: B023  (removed before the next page)

        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(request.path)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[scenario.key] = {"statements": len(statements), "status": response.status_code}
    engine.dispose()
    return counts


def _client(app: Flask, headers: dict[str, str]):
    """A test client holding the request's cookie (Werkzeug drops a raw Cookie header)."""
    client = app.test_client()
    for pair in filter(None, headers.get("Cookie", "").split("; ")):
        name, _, value = pair.partition("=")
        client.set_cookie(name, value)
    return client
