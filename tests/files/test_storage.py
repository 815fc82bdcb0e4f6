"""Uploads: only real documents and images, stored outside the web root under random names."""

import io
import zipfile
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from netzwerk.db import db
from netzwerk.files.storage import UploadRefused, read_file, send_stored_file, store_upload

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def office_file(*parts: str, mimetype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype:
            archive.writestr("mimetype", mimetype)
        for part in parts:
            archive.writestr(part, "<xml/>")
    return buffer.getvalue()


def test_a_pdf_is_stored_outside_the_web_root_under_a_random_name(app, coordinator):
    stored = store_upload(upload(PDF, "../../Flyer Fachtag.pdf"), uploaded_by=coordinator)
    db.session.commit()
    assert stored.filename == "Flyer Fachtag.pdf"  # no folders from the user's name
    assert stored.content_type == "application/pdf"
    assert stored.size == len(PDF)
    assert stored.uploaded_by_id == coordinator.id
    assert "Flyer" not in stored.storage_path
    path = Path(app.config["UPLOAD_FOLDER"]) / stored.storage_path
    assert path.read_bytes() == PDF
    static = Path(app.static_folder).resolve()
    assert static not in path.resolve().parents
    assert read_file(stored) == PDF


def test_download_is_always_an_attachment(app):
    stored = store_upload(upload(PDF, "Einladung Müller.pdf"), uploaded_by=None)
    with app.test_request_context():
        response = send_stored_file(stored)
        response.direct_passthrough = False
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "Einladung%20M%C3%BCller.pdf" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype == "application/pdf"


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (PNG, "plakat.png", "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "foto.JPG", "image/jpeg"),
        (
            office_file("[Content_Types].xml", "word/document.xml"),
            "protokoll.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            office_file("[Content_Types].xml", "xl/workbook.xml"),
            "liste.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            office_file("content.xml", mimetype="application/vnd.oasis.opendocument.text"),
            "bericht.odt",
            "application/vnd.oasis.opendocument.text",
        ),
    ],
)
def test_allowed_types_are_recognised_by_their_content(app, data, name, content_type):
    assert store_upload(upload(data, name), uploaded_by=None).content_type == content_type


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00program", "flyer.pdf", "kein erlaubtes Format"),
        (b"<html><script>", "seite.pdf", "kein erlaubtes Format"),
        (office_file("evil.exe"), "tabelle.xlsx", "kein erlaubtes Format"),
        (PDF, "flyer.png", "ist eine PDF-Datei, ihr Name endet aber anders"),
        (b"", "leer.pdf", "ist leer"),
    ],
)
def test_other_files_are_refused_with_a_german_reason(app, data, name, message):
    with pytest.raises(UploadRefused) as refused:
        store_upload(upload(data, name), uploaded_by=None)
    assert message in refused.value.message
    assert not Path(app.config["UPLOAD_FOLDER"]).exists() or not any(
        p.is_file() for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*")
    )


def test_files_above_ten_megabytes_are_refused(app):
    big = PDF + b"0" * (10 * 1024 * 1024)
    with pytest.raises(UploadRefused) as refused:
        store_upload(upload(big, "riesig.pdf"), uploaded_by=None)
    assert "größer als 10 MB" in refused.value.message
