"""SQLite as a real embedded database: WAL, a busy timeout, foreign keys enforced, and
write transactions that take the lock when they begin.

These tests exist only in the SQLite round (PostgreSQL has all of this by nature); the
round on PostgreSQL (TESTING_DATABASE_URL, set by .ci/with-postgres) does not collect them.
"""

import os

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from netzwerk.db import db
from netzwerk.events.models import Workshop
from tests.factories import get_group

if not os.environ.get("TESTING_DATABASE_URL"):

    def test_every_connection_uses_wal_a_busy_timeout_and_foreign_keys(app):
        with db.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA busy_timeout").scalar() >= 5000
            assert pragma("PRAGMA foreign_keys").scalar() == 1

    def test_a_row_pointing_nowhere_is_refused(app):
        workshop = Workshop(event_id=999_999, title="Forum ohne Veranstaltung")
        db.session.add(workshop)

        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            db.session.flush()
        db.session.rollback()

    @pytest.fixture()
    def transaction_starts(app):
        starts = []

        def remember(conn, cursor, statement, *args):
            if statement.startswith("BEGIN"):
                starts.append(statement)

        event.listen(db.engine, "before_cursor_execute", remember)
        yield starts
        event.remove(db.engine, "before_cursor_execute", remember)

    def test_a_post_takes_the_write_lock_at_once(client, transaction_starts):
        form = {
            "first_name": "Lena",
            "last_name": "Neu",
            "email": "lena.neu@example.org",
            "group": str(get_group("schuso").id),
            "consent": "y",
        }
        db.session.commit()
        transaction_starts.clear()

        assert client.post("/mitmachen", data=form).status_code == 302

        assert transaction_starts and set(transaction_starts) == {"BEGIN IMMEDIATE"}

    def test_a_page_view_reads_without_locking_others_out(client, transaction_starts):
        assert client.get("/veranstaltungen/").status_code == 200

        assert transaction_starts and set(transaction_starts) == {"BEGIN"}
