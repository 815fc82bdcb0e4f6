"""Uploaded files, kept outside the web root under random names.

Only a few document and image types are accepted, recognised by their content (magic
bytes, and for the ZIP-based office formats the parts inside), never by the name
alone. The name the user gave is kept for downloads, nothing more.

    stored = store_upload(form.file.data, uploaded_by=current_user)   # may raise UploadRefused
    data = read_file(stored)
    return send_stored_file(stored)                                    # in a route
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import unicodedata
import zipfile
from pathlib import Path

from flask import Response, current_app, send_file
from werkzeug.datastructures import FileStorage

from netzwerk.db import db
from netzwerk.files.models import StoredFile

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# content type -> (label for messages, file name endings that fit it)
ALLOWED_TYPES = {
    "application/pdf": ("PDF", (".pdf",)),
    "image/png": ("PNG", (".png",)),
    "image/jpeg": ("JPEG", (".jpg", ".jpeg")),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "Word (DOCX)",
        (".docx",),
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "Excel (XLSX)",
        (".xlsx",),
    ),
    "application/vnd.oasis.opendocument.text": ("OpenDocument-Text (ODT)", (".odt",)),
}
ALLOWED_LABELS = "PDF, PNG, JPEG, DOCX, XLSX oder ODT"


class UploadRefused(ValueError):
    """The file cannot be accepted; the message is German and meant for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def upload_folder() -> Path:
    configured = current_app.config.get("UPLOAD_FOLDER")
    return Path(configured or os.path.join(current_app.instance_path, "uploads"))


def max_upload_bytes() -> int:
    return current_app.config.get("UPLOAD_MAX_BYTES", MAX_UPLOAD_BYTES)


def _zip_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                # ODF keeps its type, uncompressed, in the first part named "mimetype".
                kind = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return kind if kind == "application/vnd.oasis.opendocument.text" else None
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        return None
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def sniff_content_type(data: bytes) -> str | None:
    """The allowed type the bytes really are, or None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    return None


def clean_filename(name: str | None) -> str:
    """The user's file name without folders or control characters, for display only."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "Datei"


def check_upload(file_storage: FileStorage | None) -> tuple[bytes, str, str]:
    """(data, content_type, filename) of an acceptable upload; raises UploadRefused.

    Leaves the upload readable again, so a form validator may call it before the
    operation stores the file.
    """
    if file_storage is None or not file_storage.filename:
        raise UploadRefused("Bitte wählen Sie eine Datei aus.")
    limit = max_upload_bytes()
    stream = file_storage.stream
    data = stream.read(limit + 1)
    with contextlib.suppress(AttributeError, OSError, io.UnsupportedOperation):
        stream.seek(0)
    filename = clean_filename(file_storage.filename)
    if not data:
        raise UploadRefused(f"Die Datei „{filename}“ ist leer.")
    if len(data) > limit:
        megabytes = limit // (1024 * 1024)
        raise UploadRefused(f"Die Datei „{filename}“ ist größer als {megabytes} MB.")
    content_type = sniff_content_type(data)
    if content_type is None:
        raise UploadRefused(
            f"Die Datei „{filename}“ hat kein erlaubtes Format. Erlaubt sind {ALLOWED_LABELS}."
        )
    label, endings = ALLOWED_TYPES[content_type]
    if not filename.lower().endswith(endings):
        raise UploadRefused(
            f"Die Datei „{filename}“ ist eine {label}-Datei, ihr Name endet aber anders. "
            f"Bitte benennen Sie sie passend um (z. B. auf „{endings[0]}“)."
        )
    return data, content_type, filename


def store_upload(file_storage: FileStorage, *, uploaded_by) -> StoredFile:
    """Check and save an upload; returns the flushed StoredFile. Raises UploadRefused.

    uploaded_by is a User (or None). The file is written before the row is flushed;
    should the transaction roll back, an unreferenced file stays behind, never a row
    without its file.
    """
    data, content_type, filename = check_upload(file_storage)
    token = secrets.token_hex(16)
    relative = f"{token[:2]}/{token}"
    path = upload_folder() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_whole(path, data)
    stored = StoredFile(
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_path=relative,
        uploaded_by_id=getattr(uploaded_by, "id", None),
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def _write_whole(path: Path, data: bytes) -> None:
    """Write under a temporary name and rename when complete: a full disk leaves no
    truncated file behind under a name a row could point to."""
    partial = path.with_name(path.name + ".part")
    try:
        # "x": never overwrite; the random name makes a clash practically impossible.
        with open(partial, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(partial, path)
    except OSError:
        with contextlib.suppress(OSError):  # the original error is the one to report
            partial.unlink(missing_ok=True)
        raise


def _path_of(stored_file: StoredFile) -> Path:
    folder = upload_folder().resolve()
    path = (folder / stored_file.storage_path).resolve()
    if folder not in path.parents:
        raise FileNotFoundError(stored_file.storage_path)  # never leave the upload folder
    return path


def read_file(stored_file: StoredFile) -> bytes:
    return _path_of(stored_file).read_bytes()


def delete_stored_file(stored_file: StoredFile) -> None:
    """Remove the row now and the file from disk (a missing file is no error)."""
    path = _path_of(stored_file)
    db.session.delete(stored_file)
    db.session.flush()
    path.unlink(missing_ok=True)


def send_stored_file(stored_file: StoredFile) -> Response:
    """A download response: always an attachment, never rendered inline by the browser."""
    response = send_file(
        _path_of(stored_file),
        mimetype=stored_file.content_type,
        as_attachment=True,
        download_name=stored_file.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
