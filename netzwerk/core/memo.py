"""Results of expensive reads (aggregates over the whole network) kept for a few seconds.

Pages and feeds polled far more often than the data changes would otherwise repeat the
same aggregate on every request, at a cost that grows with the data. A kept result is
dropped after any commit in this process, and at the latest after READ_MEMO_SECONDS,
which bounds how long another process's change (a second worker, a CLI command) can go
unseen. READ_MEMO_SECONDS = 0 turns the memo off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
DEFAULT_SECONDS = 10.0
_MAX_ENTRIES = 4096  # personal feeds add one each; past this the oldest half goes
# Kept pages count their bytes (keep(size=)): any query string makes another page, so the
# count alone would let strangers fill the worker's memory (4,096 event lists of 40 KB).
_MAX_BYTES = 16 * 1024 * 1024

_generation = 0
_lock = threading.Lock()


@event.listens_for(Session, "after_commit")
def _data_changed(session) -> None:
    global _generation
    with _lock:
        _generation += 1


def remembered(key: tuple, compute: Callable[[], T], *, at: datetime | None = None) -> T:
    """compute(), or its result from an earlier call with the same key if still valid.

    at: the moment the result depends on (a feed's window); a result for a moment more
    than the memo's seconds away is not reused.
    """
    seconds = _seconds()  # read once: feeds polled many times a second call this each time
    if seconds <= 0:
        return compute()
    generation = current_generation()
    kept = _entries().get(key)
    if _valid(kept, generation, seconds) and (
        at is None or abs((at - kept[3]).total_seconds()) < seconds
    ):
        return kept[2]
    value = compute()
    keep(key, value, generation, at=at)
    return value


def current_generation() -> int:
    """Taken before a read: a commit during it leaves what the read found stale."""
    return _generation


def recall(key: tuple):
    """The value kept under key while still valid, else None."""
    seconds = _seconds()
    if seconds <= 0:
        return None
    kept = _entries().get(key)
    return kept[2] if _valid(kept, _generation, seconds) else None


def keep(key: tuple, value, generation: int, *, at: datetime | None = None, size=0) -> None:
    """size: the bytes value holds, for values that can be large (pages)."""
    if _seconds() <= 0 or size > _MAX_BYTES:
        return
    entries = _entries()
    with _lock:
        total = current_app.extensions.get("netzwerk.memo.bytes", 0)
        old = entries.pop(key, None)
        total -= old[4] if old is not None else 0
        if len(entries) >= _MAX_ENTRIES or total + size > _MAX_BYTES:
            for oldest in list(entries)[: max(len(entries) // 2, 1)]:
                dropped = entries.pop(oldest, None)
                total -= dropped[4] if dropped is not None else 0
            if total + size > _MAX_BYTES:  # what is left is still too much: start afresh
                entries.clear()
                total = 0
        entries[key] = (generation, time.monotonic(), value, at, size)
        current_app.extensions["netzwerk.memo.bytes"] = total + size


@dataclass(frozen=True)
class Lease:
    """While it holds, remembered() would return the same values for its keys."""

    entries: dict
    kept: tuple  # (key, entry) pairs, the entries as they were
    generation: int
    until: float  # time.monotonic()

    def holds(self, extensions: dict) -> bool:
        """extensions: the app's, so that no app context is needed to ask."""
        return (
            _generation == self.generation
            and time.monotonic() < self.until
            and extensions.get("netzwerk.memo") is self.entries
            and all(self.entries.get(key) is entry for key, entry in self.kept)
        )


def lease(values: list[tuple[tuple, object]]) -> Lease | None:
    """A Lease on the values remembered() returned under these keys; None if one of them
    is no longer what is kept. For answers built only from these values (the calendar's
    replay of polled feeds)."""
    seconds = _seconds()
    if seconds <= 0:
        return None
    entries, generation = _entries(), _generation
    now, wall = time.monotonic(), datetime.now(UTC)
    until, kept = now + seconds, []
    for key, value in values:
        entry = entries.get(key)
        if not _valid(entry, generation, seconds) or entry[2] is not value:
            return None
        until = min(until, entry[1] + seconds)
        if entry[3] is not None:  # remembered() also wants the moment asked for nearby
            until = min(until, now + seconds - (wall - entry[3]).total_seconds())
        kept.append((key, entry))
    return Lease(entries, tuple(kept), generation, until)


def _valid(kept, generation: int, seconds: float) -> bool:
    return kept is not None and kept[0] == generation and time.monotonic() - kept[1] < seconds


def _seconds() -> float:
    return float(current_app.config.get("READ_MEMO_SECONDS", DEFAULT_SECONDS))


def _entries() -> dict:
    entries = current_app.extensions.get("netzwerk.memo")
    if entries is None:
        entries = current_app.extensions["netzwerk.memo"] = {}
        current_app.extensions["netzwerk.memo.bytes"] = 0
    return entries
