"""Small helpers that tests of every domain share."""

import re

from sqlalchemy import event

from netzwerk.db import db


def text_of(html: str) -> str:
    """What a reader sees: the page without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def statements_for(client, url: str) -> int:
    """How many SQL statements one GET of url costs, starting cold like a real request."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # Tests share the requests' session: end its transaction and expire what it holds.
    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def get_urls(app, text_argument: str = "schuso") -> list[str]:
    """Every GET route of the app, with 1 for each id and text_argument for other parts."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = re.sub(r"<int:[^>]+>", "1", rule.rule)
        urls.append(re.sub(r"<(?:[a-z]+:)?[^>]+>", text_argument, url))
    return urls
