"""The SQLAlchemy base, shared column types and the database connection rules."""

import contextlib
import threading
from datetime import UTC, datetime

from flask import has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every engine.

    SQLite has no timezone support, so values are stored as naive UTC there and
    made aware again when read; PostgreSQL keeps them as timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TimestampMixin:
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _begin).
    dbapi_connection.isolation_level = None
    # SQLite's own lower() folds ASCII only; searches for "özdemir" must find "Özdemir".
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin(conn):
    if conn.dialect.name != "sqlite":
        return
    # Requests that may write take SQLite's write lock up front, so that two workers
    # never both read a free place and then fail upgrading to a write lock.
    # Safe reads (GET/HEAD) stay deferred and never block each other.
    if has_request_context() and request.method in ("GET", "HEAD", "OPTIONS"):
        conn.exec_driver_sql("BEGIN")
    elif has_request_context():
        _queue_writer(conn)
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# A worker's writing requests queue on a lock in the process before asking SQLite for its
# write lock: SQLite's busy handler polls with sleeps growing to 100 ms, so threads of one
# worker waiting on each other slept far longer than the writes took (5 registrations a
# second instead of 50). Other processes still meet SQLite's busy_timeout.
_writer_locks: dict[str, threading.RLock] = {}
_writer_locks_guard = threading.Lock()
_WRITER_WAIT_SECONDS = 15  # as busy_timeout; then SQLite decides


def _queue_writer(conn) -> None:
    with _writer_locks_guard:
        lock = _writer_locks.setdefault(str(conn.engine.url), threading.RLock())
    held = lock.acquire(timeout=_WRITER_WAIT_SECONDS)
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if held:
            lock.release()
        raise
    if held:
        conn.info.setdefault("netzwerk_writer_locks", []).append(lock)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _writer_done(conn):
    _release_writer(conn.info)


@event.listens_for(Pool, "checkin")
def _writer_gone(dbapi_connection, connection_record):
    # A transaction that ended without commit or rollback (a broken connection).
    _release_writer(connection_record.info)


def _release_writer(info: dict) -> None:
    locks = info.get("netzwerk_writer_locks")
    while locks:
        # RuntimeError: released from a thread that does not hold it.
        with contextlib.suppress(RuntimeError):
            locks.pop().release()


def enum_column(enum_class, **kwargs):
    """A column storing a StrEnum by its value, as a plain string on every engine."""
    from sqlalchemy import Enum

    return mapped_column(
        Enum(
            enum_class,
            native_enum=False,
            length=max(len(m.value) for m in enum_class) + 8,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
        ),
        **kwargs,
    )
