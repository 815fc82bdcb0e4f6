"""Fresh databases for a run: a new SQLite file, or a new database on a PostgreSQL server,
filled with `flask --app netzwerk demo-data --scale N`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from netzwerk_bench.settings import ROOT
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url


@dataclass
class Database:
    engine: str  # "sqlite" or "postgresql"
    url: str
    server_url: str | None = None  # PostgreSQL: where to drop it again
    build_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return make_url(self.url).database or ""


def fresh_database(engine: str, label: str, workdir: Path, server_url: str | None) -> Database:
    if engine == "sqlite":
        path = workdir / f"{label}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return Database(engine, f"sqlite:///{path}")
    name = f"netzwerk_bench_{label}_{os.getpid()}"
    _on_server(server_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    return Database(engine, url, server_url=server_url)


def drop_database(database: Database) -> None:
    if database.engine == "sqlite":
        path = make_url(database.url).database
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        _on_server(database.server_url, f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


def _on_server(server_url: str, *statements: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def app_environment(database: Database, **extra: str) -> dict[str, str]:
    """What the app's processes (demo-data, gunicorn, mail send) see: this database, CSRF
    off (the load generator posts forms without a token), a fixed secret key so that the
    prepared session cookies hold."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database.url,
        NETZWERK_SQLALCHEMY_DATABASE_URI=database.url,
        NETZWERK_WTF_CSRF_ENABLED="false",
        NETZWERK_SECRET_KEY=BENCH_SECRET_KEY,
        FLASK_APP="netzwerk",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


BENCH_SECRET_KEY = "benchmark-only-secret-key-not-for-production"  # noqa: S105


def build(*jobs: tuple[Database, int]) -> None:
    """Schema from the models (as the test suite does), then the demo network at each scale;
    the demo-data commands run side by side."""
    from netzwerk import create_app
    from netzwerk.db import db

    running = []
    for database, scale in jobs:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database.url})
        with app.app_context():
            db.create_all()
            db.engine.dispose()
        process = subprocess.Popen(  # noqa: S603
            [_flask(), "--app", "netzwerk", "demo-data", "--scale", str(scale)],
            cwd=ROOT,
            env=app_environment(database),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        running.append((database, scale, process, time.perf_counter()))
    for database, scale, process, started in running:
        _, errors = process.communicate()
        database.build_seconds = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError(f"demo-data --scale {scale} schlug fehl:\n{errors[-3000:]}")
        database.counts = count_rows(database.url)


def _flask() -> str:
    return str(Path(sys.executable).with_name("flask"))


COUNTED = {
    "Fachkräfte": "members",
    "Schulen": "schools",
    "Veranstaltungen": "events",
    "Anmeldungen": "registrations",
    "Qualitätszirkel": "circles",
    "Zirkeltreffen": "circle_meetings",
    "Themenvorschläge": "topic_suggestions",
    "Verteiler": "mailing_lists",
}


def count_rows(url: str) -> dict[str, int]:
    import netzwerk.models  # noqa: F401  (every table is known to the metadata)
    from netzwerk.db import db

    engine = create_engine(url)
    counts = {}
    try:
        with engine.connect() as connection:
            for label, table_name in COUNTED.items():
                table = db.metadata.tables.get(table_name)
                if table is not None:
                    counts[label] = connection.execute(
                        select(func.count()).select_from(table)
                    ).scalar_one()
    finally:
        engine.dispose()
    return counts
