"""A worker loads the heavy libraries only when a request needs them (issue 8: worker
memory). fpdf with its font tools weighs 45 MB, psycopg 9 MB on a SQLite installation."""

import subprocess
import sys

PROBE = """
import sys
from netzwerk import create_app
from netzwerk.db import db
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "probe"})
with app.app_context():
    db.create_all()
client = app.test_client()
assert client.get("/").status_code == 200
print(",".join(m for m in ("fpdf", "psycopg") if m in sys.modules))
"""


def test_a_fresh_worker_serving_a_page_has_no_pdf_library_or_postgresql_driver(tmp_path):
    url = f"sqlite:///{tmp_path / 'probe.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, url], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "", f"loaded at start: {result.stdout.strip()}"


def test_the_pdf_library_comes_with_the_first_printed_document(coordinator_client):
    response = coordinator_client.get("/verwaltung/jahresbericht.pdf")

    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert "fpdf" in sys.modules
