"""Migrations build the whole schema from an empty database, and match the models."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from netzwerk import create_app
from netzwerk.db import db


@pytest.fixture()
def empty_database_url(tmp_path):
    base = os.environ.get("TESTING_DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(tmp_path / "empty.sqlite3")
        return
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_build_the_schema_the_models_describe(empty_database_url, tmp_path):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database_url}
    )
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == [], "a model change has no migration: flask db migrate"
        tables = set(inspect(db.engine).get_table_names())
        assert {"members", "schools", "events", "registrations", "outbox_messages"} <= tables
        slugs = db.session.execute(text("SELECT slug FROM professional_groups")).scalars()
        assert sorted(slugs) == ["mpt", "schuso", "sds", "sofa"]
        db.session.commit()

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
