"""`flask --app netzwerk backup [--output PATH]`: a consistent copy of the SQLite database.

SQLite's online backup API copies a snapshot while the app keeps serving requests.
The copy is written next to its target under a temporary name and renamed only when
it is complete and checked, so a full or read-only disk never leaves a half-written
backup behind, nor damages an older one of the same name. PostgreSQL is backed up
with pg_dump; for it the command explains how.
"""

import errno
import os
import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, make_url

from netzwerk.core.timeutil import utc_to_berlin

NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}
DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
SQLITE_NOT_WRITABLE = {"SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM"}


class BackupFailed(Exception):
    """Why no backup was written, in German, for the person at the console."""


def default_filename() -> str:
    stamp = utc_to_berlin(datetime.now(UTC)).strftime("%Y-%m-%d-%H%M%S")
    return f"netzwerk-{stamp}.sqlite3"


def _problem(exc: Exception, folder: Path) -> str:
    name = getattr(exc, "sqlite_errorname", "")
    if (isinstance(exc, OSError) and exc.errno in NOT_WRITABLE) or name in SQLITE_NOT_WRITABLE:
        return f"In {folder} darf nicht geschrieben werden (schreibgeschützt oder ohne Recht)."
    if (isinstance(exc, OSError) and exc.errno in DISK_FULL) or name == "SQLITE_FULL":
        return f"Der Speicherplatz in {folder} reicht nicht aus."
    if name.startswith("SQLITE_IOERR"):
        return f"Beim Schreiben in {folder} ist ein Fehler aufgetreten (ist der Speicher voll?)."
    return f"{type(exc).__name__}: {exc}"


def _remove_leftovers(temporary: Path) -> None:
    for path in (temporary, Path(f"{temporary}-journal"), Path(f"{temporary}-wal")):
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(source: Path, temporary: Path) -> None:
    # Read-only: the backup can never change the live database.
    live = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(temporary)
    try:
        live.backup(copy)  # one step: a single consistent snapshot
        # The copy stands alone as one file, without a -wal next to it.
        copy.execute("PRAGMA journal_mode=DELETE")
        (result,) = copy.execute("PRAGMA quick_check").fetchone()
        if result != "ok":
            raise sqlite3.DatabaseError(f"Prüfung der Kopie fehlgeschlagen: {result}")
    finally:
        copy.close()
        live.close()


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy the database at source to target (a file, or a folder for a dated file)."""
    if not source.is_file():
        raise BackupFailed(f"Die Datenbankdatei {source} gibt es nicht.")
    if target.is_dir():
        target = target / default_filename()
    folder = target.parent
    temporary = folder / f".{target.name}.{secrets.token_hex(4)}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Created empty first, readable only by its owner: the copy holds personal data.
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        _copy(source, temporary)
        _fsync(temporary)
        os.replace(temporary, target)
        _fsync(folder)
    except (OSError, sqlite3.Error) as exc:
        _remove_leftovers(temporary)
        raise BackupFailed(
            f"Die Sicherung ist fehlgeschlagen. {_problem(exc, folder)} "
            "Es wurde keine Sicherungsdatei angelegt; eine ältere Sicherung bleibt unverändert."
        ) from exc
    return target


def pg_dump_hint(url: URL) -> str:
    # No password on screen or in shell history: pg_dump reads PGPASSWORD or ~/.pgpass.
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).render_as_string()
    return (
        "Die Datenbank ist PostgreSQL; dieser Befehl sichert nur SQLite-Datenbanken.\n"
        "Sichern Sie PostgreSQL mit pg_dump (das Passwort liest pg_dump aus PGPASSWORD "
        "oder ~/.pgpass), zum Beispiel:\n"
        f"  pg_dump --format=custom --file=netzwerk-$(date +%F).dump '{plain}'\n"
        "Zurückspielen mit:\n"
        f"  pg_restore --clean --if-exists --no-owner --dbname='{plain}' netzwerk-DATUM.dump"
    )


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Zieldatei oder Ordner (Vorgabe: instance/backups/netzwerk-DATUM.sqlite3).",
)
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Eine konsistente Sicherung der SQLite-Datenbank schreiben (auch im laufenden Betrieb)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        raise click.ClickException(pg_dump_hint(url))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        raise click.ClickException(
            "Dieser Befehl sichert SQLite-Datenbankdateien; für diese Datenbank "
            "nutzen Sie bitte deren eigene Sicherungswerkzeuge."
        )
    target = output or Path(current_app.instance_path) / "backups" / default_filename()
    try:
        written = backup_sqlite(Path(url.database), target)
    except BackupFailed as exc:
        raise click.ClickException(str(exc)) from exc
    size_kb = max(1, written.stat().st_size // 1024)
    click.echo(f"Sicherung geschrieben: {written} ({size_kb} kB)")


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
