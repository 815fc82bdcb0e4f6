"""Small helpers that tests of every domain share."""

import re

from sqlalchemy import event, insert
from werkzeug.security import generate_password_hash

from netzwerk import create_app
from netzwerk.accounts.models import Role, User
from netzwerk.db import db
from netzwerk.members.models import Member


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


def make_members_with_accounts(n: int, prefix: str = "fachkraft") -> list[str]:
    """n members who can log in with factories.PASSWORD, inserted in two statements.

    A cheap hash keeps many logins quick: concurrency tests are about what happens after
    login, and SQLite would otherwise queue slow password checks."""
    from tests import factories

    password_hash = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1000")
    group, employer = factories.get_group("schuso"), factories.make_employer()
    emails = [f"{prefix}{i}@example.org" for i in range(n)]
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


def racing_app(app, requests_at_once: int):
    """The app once more, where every concurrent request gets its own pooled connection;
    the fixture's pool would make them queue."""
    options = {"pool_pre_ping": True}
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options |= {"pool_size": requests_at_once + 5, "max_overflow": 10, "pool_timeout": 60}
    return create_app({**app.config, "SQLALCHEMY_ENGINE_OPTIONS": options})
