"""Public pages, the health check and German error pages."""

from netzwerk.db import db


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_start_page_is_german_and_accessible_basics(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="de">' in html
    assert 'href="#inhalt"' in html  # skip link
    assert "Kontaktdaten mitteilen" in html
    for page in ("Impressum", "Datenschutz", "Barrierefreiheit"):
        assert page in html


def test_unknown_page_gives_german_404(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


def test_unexpected_error_shows_german_page_without_trace(app, client):
    app.config["PROPAGATE_TEST_ERRORS"] = False

    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = client.get("/_boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in html
    assert "secret internal detail" not in html and "Traceback" not in html


def test_legal_pages_exist(client):
    for path in ("/impressum", "/datenschutz", "/barrierefreiheit"):
        assert client.get(path).status_code == 200


def test_sqlite_connection_rules(app):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
