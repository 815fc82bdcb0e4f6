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
from datetime import datetime
from typing import TypeVar

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
DEFAULT_SECONDS = 10.0
_MAX_ENTRIES = 4096  # personal feeds add one each; past this the oldest half goes

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


def keep(key: tuple, value, generation: int, *, at: datetime | None = None) -> None:
    if _seconds() <= 0:
        return
    entries = _entries()
    if len(entries) >= _MAX_ENTRIES:
        for old in list(entries)[: _MAX_ENTRIES // 2]:
            entries.pop(old, None)
    entries[key] = (generation, time.monotonic(), value, at)


def _valid(kept, generation: int, seconds: float) -> bool:
    return kept is not None and kept[0] == generation and time.monotonic() - kept[1] < seconds


def _seconds() -> float:
    return float(current_app.config.get("READ_MEMO_SECONDS", DEFAULT_SECONDS))


def _entries() -> dict:
    return current_app.extensions.setdefault("netzwerk.memo", {})
