"""Uploads waiting between the import preview and its confirmation.

The decoded file lies in the instance folder under a random token, so the coordinator
confirms without a second upload; it is removed after use and after a day at most.
"""

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

PENDING_MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[0-9a-f]{32}")


class PendingImportMissing(Exception):
    """The token is malformed, or the upload was imported, cancelled or expired."""


@dataclass(frozen=True)
class PendingImport:
    token: str
    kind: str
    filename: str
    text: str


def _pending_folder() -> Path:
    folder = current_app.config.get("IMPORT_FOLDER") or os.path.join(
        current_app.instance_path, "imports"
    )
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pending_path(token: str, suffix: str = ".json") -> Path:
    # Only our own hex tokens ever reach the file system: no path tricks.
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise PendingImportMissing()
    return _pending_folder() / f"{token}{suffix}"


def store_pending(kind: str, filename: str, text: str) -> PendingImport:
    """Keep the decoded file until the coordinator confirms, without a second upload."""
    _remove_stale_pending()
    token = secrets.token_hex(16)
    path = _pending_path(token)
    payload = {"kind": kind, "filename": filename, "text": text}
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    path.chmod(0o600)
    return PendingImport(token, kind, filename, text)


def claim_pending(token: str) -> PendingImport:
    """Take the upload for importing; a second click on the button finds it gone."""
    waiting, claimed = _pending_path(token), _pending_path(token, ".claimed")
    try:
        os.rename(waiting, claimed)
    except FileNotFoundError as exc:
        raise PendingImportMissing() from exc
    payload = json.loads(claimed.read_text(encoding="utf-8"))
    return PendingImport(token, payload["kind"], payload["filename"], payload["text"])


def release_pending(token: str) -> None:
    """Give a claimed upload back, when the checks refuse it and the preview shows again."""
    os.rename(_pending_path(token, ".claimed"), _pending_path(token))


def discard_pending(token: str) -> None:
    for suffix in (".json", ".claimed"):
        _pending_path(token, suffix).unlink(missing_ok=True)


def _remove_stale_pending() -> None:
    limit = time.time() - PENDING_MAX_AGE_SECONDS
    for path in _pending_folder().iterdir():
        try:
            if path.suffix in (".json", ".claimed") and path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            pass  # another request removed it first
