"""Public pages seen by visitors without a session are rendered once per data change."""

from sqlalchemy import event

from netzwerk.db import db
from tests import factories


def _statements(client, url, **kwargs):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url, **kwargs)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return response, len(statements)


def test_event_list_is_served_again_without_the_database(app, client):
    factories.make_event(title="Netzwerktreffen Nord")

    first, cold = _statements(client, "/veranstaltungen/")
    again, warm = _statements(client, "/veranstaltungen/")

    assert cold > 0 and warm == 0
    assert again.get_data() == first.get_data()
    assert "Netzwerktreffen Nord" in again.get_data(as_text=True)
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in again.headers


def test_a_change_shows_at_once(app, client):
    factories.make_event(title="Netzwerktreffen Nord")
    client.get("/veranstaltungen/")

    factories.make_event(title="Fortbildung Kinderschutz")  # commits

    assert "Fortbildung Kinderschutz" in client.get("/veranstaltungen/").get_data(as_text=True)


def test_filters_are_kept_apart(app, client):
    factories.make_event(title="Nur für SOFA", groups=("sofa",))
    factories.make_event(title="Nur für MPT", groups=("mpt",))

    sofa = client.get("/veranstaltungen/?gruppe=sofa").get_data(as_text=True)
    mpt = client.get("/veranstaltungen/?gruppe=mpt").get_data(as_text=True)

    assert "Nur für SOFA" in sofa and "Nur für MPT" not in sofa
    assert "Nur für MPT" in mpt and "Nur für SOFA" not in mpt


def test_logged_in_visitors_never_get_the_visitors_page(app, client, auth):
    factories.make_event(title="Nur für Mitglieder", is_public=False)
    client.get("/veranstaltungen/")  # a visitor's page is kept

    auth.login(factories.make_member(with_account=True).email)
    page = client.get("/veranstaltungen/").get_data(as_text=True)

    assert "Nur für Mitglieder" in page
    assert "Abmelden" in page


def test_a_page_with_a_form_token_is_not_kept(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    event_ = factories.make_event(title="Offen für Gäste", allows_guests=True)
    url = f"/veranstaltungen/{event_.id}"

    first, _ = _statements(client, url)
    stranger = app.test_client()
    again, statements = _statements(stranger, url)

    assert 'name="csrf_token"' in first.get_data(as_text=True)
    assert statements > 0  # rendered anew: its CSRF token belongs to one visitor


def test_memo_off_renders_every_time(app, client):
    app.config["READ_MEMO_SECONDS"] = 0
    factories.make_event()
    client.get("/veranstaltungen/")

    _, statements = _statements(client, "/veranstaltungen/")

    assert statements > 0
