"""`flask backup`: a consistent SQLite copy while the app runs; a clear German error and
no half-written file on a read-only or full disk; PostgreSQL is pointed to pg_dump.

These tests back up a SQLite database of their own, so they run in the PostgreSQL
round of the suite as well.
"""

import re
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from netzwerk import create_app
from netzwerk.db import db
from tests import factories

FAILED = "Die Sicherung ist fehlgeschlagen."


def sqlite_app(path: Path, instance: Path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        }
    )
    app.instance_path = str(instance)  # never the real instance folder
    return app


@pytest.fixture()
def source(tmp_path):
    """A SQLite database with the full schema and one member, on its own app."""
    path = tmp_path / "live" / "netzwerk.sqlite3"
    path.parent.mkdir()
    app = sqlite_app(path, tmp_path / "instance")
    with app.app_context():
        db.create_all()
        factories.make_member(first_name="Gesichert", last_name="Vorher")
        db.session.remove()
        db.engine.dispose()
    app.config["DATABASE_PATH"] = path
    return app


def run_backup(app, *args):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", *args])
        db.engine.dispose()
    return result


def names_in(copy: Path) -> list[str]:
    conn = sqlite3.connect(copy)
    try:
        return [row[0] for row in conn.execute("SELECT last_name FROM members ORDER BY id")]
    finally:
        conn.close()


@pytest.fixture()
def older_backup(tmp_path):
    """A folder that already holds yesterday's backup under the name we write to."""
    folder = tmp_path / "sicherungen"
    folder.mkdir()
    target = folder / "netzwerk.sqlite3"
    target.write_bytes(b"die Sicherung von gestern")
    return target


def test_the_command_is_part_of_the_app(tmp_path):
    app = sqlite_app(tmp_path / "netzwerk.sqlite3", tmp_path / "instance")

    result = app.test_cli_runner().invoke(args=["--help"])

    assert re.search(r"^\s+backup\s", result.output, re.M)


def test_backup_is_a_consistent_copy_while_someone_writes(source, tmp_path):
    writer = sqlite3.connect(source.config["DATABASE_PATH"], isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a request in the middle of writing
    writer.execute("UPDATE members SET last_name = 'Halb geschrieben'")
    target = tmp_path / "sicherung" / "netzwerk.sqlite3"
    try:
        result = run_backup(source, "--output", str(target))
    finally:
        writer.execute("COMMIT")
        writer.close()

    assert result.exit_code == 0, result.output
    assert f"Sicherung geschrieben: {target}" in result.output
    assert names_in(target) == ["Vorher"]  # committed data only
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # a single file
    finally:
        conn.close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # it holds personal data
    assert [p.name for p in target.parent.iterdir()] == ["netzwerk.sqlite3"]


def test_without_output_a_dated_file_lands_in_the_instance_folder(source):
    result = run_backup(source)

    assert result.exit_code == 0, result.output
    (written,) = (Path(source.instance_path) / "backups").iterdir()
    assert re.fullmatch(r"netzwerk-\d{4}-\d\d-\d\d-\d{6}\.sqlite3", written.name)
    assert names_in(written) == ["Vorher"]


def test_a_folder_as_output_gets_a_dated_file(source, tmp_path):
    folder = tmp_path / "ordner"
    folder.mkdir()

    assert run_backup(source, "--output", str(folder)).exit_code == 0

    (written,) = folder.iterdir()
    assert written.name.startswith("netzwerk-")


def test_a_new_backup_replaces_an_older_one_of_the_same_name(source, older_backup):
    assert run_backup(source, "--output", str(older_backup)).exit_code == 0

    assert names_in(older_backup) == ["Vorher"]
    assert [p.name for p in older_backup.parent.iterdir()] == ["netzwerk.sqlite3"]


def test_a_read_only_folder_gives_a_german_error_and_leaves_the_older_backup(
    source, older_backup, make_read_only
):
    make_read_only(older_backup.parent)

    result = run_backup(source, "--output", str(older_backup))

    assert result.exit_code == 1
    assert FAILED in result.output
    assert "darf nicht geschrieben werden" in result.output
    assert "Traceback" not in result.output
    assert [p.name for p in older_backup.parent.iterdir()] == ["netzwerk.sqlite3"]
    assert older_backup.read_bytes() == b"die Sicherung von gestern"


FULL_DISK_RUN = textwrap.dedent(
    """
    import resource, signal, sys
    from netzwerk import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
    # From here on no file may grow beyond 16 kB: the disk is "full".
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, resource.RLIM_INFINITY))
    result = app.test_cli_runner().invoke(args=["backup", "--output", sys.argv[2]])
    print(result.output)
    sys.exit(result.exit_code)
    """
)


def test_a_full_disk_leaves_no_half_written_backup(source, older_backup):
    database = source.config["DATABASE_PATH"]
    assert database.stat().st_size > 64 * 1024

    run = subprocess.run(
        [sys.executable, "-c", FULL_DISK_RUN, f"sqlite:///{database}", str(older_backup)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 1, run.stdout + run.stderr
    assert FAILED in run.stdout
    assert "Speicher" in run.stdout
    assert [p.name for p in older_backup.parent.iterdir()] == ["netzwerk.sqlite3"]
    assert older_backup.read_bytes() == b"die Sicherung von gestern"


def test_a_missing_database_file_is_named(tmp_path):
    app = sqlite_app(tmp_path / "fehlt.sqlite3", tmp_path / "instance")

    result = run_backup(app, "--output", str(tmp_path / "kopie.sqlite3"))

    assert result.exit_code == 1
    assert "Die Datenbankdatei" in result.output and "gibt es nicht" in result.output
    assert not (tmp_path / "kopie.sqlite3").exists()


def test_postgresql_is_pointed_to_pg_dump_without_showing_the_password(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://netzwerk:geheim@db.example.org/netzwerk",
        }
    )

    result = app.test_cli_runner().invoke(args=["backup"])

    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output
    assert "'postgresql://netzwerk@db.example.org/netzwerk'" in result.output
    assert "geheim" not in result.output
    assert "pg_restore" in result.output
