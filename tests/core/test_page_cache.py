"""Public pages seen by visitors without a session are rendered once per data change."""

import re

from sqlalchemy import event

from netzwerk import create_app
from netzwerk.core.pagecache import TOKEN_STANDIN
from netzwerk.db import db
from tests import factories


def _statements(client, url, engine=None):
    statements = []
    engine = engine or db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
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


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_a_guest_form_is_kept_with_each_visitors_own_token(app):
    event_ = factories.make_event(title="Offen für Gäste", allows_guests=True)
    url = f"/veranstaltungen/{event_.id}"
    db.session.commit()
    # A second app: each request gets its own app context (and g), as under gunicorn.
    server = create_app({**app.config, "WTF_CSRF_ENABLED": True})

    first = server.test_client().get(url)
    stranger = server.test_client()
    with server.app_context():
        engine = db.engine
    again, statements = _statements(stranger, url, engine=engine)

    assert statements == 0  # the page came from the cache
    tokens = _csrf_token(first.get_data(as_text=True)), _csrf_token(again.get_data(as_text=True))
    assert tokens[0] != tokens[1]  # each visitor's own, bound to their own session
    assert TOKEN_STANDIN not in again.get_data(as_text=True)
    assert "Set-Cookie" in again.headers

    # The guest registers from the kept page with the token it carried.
    response = stranger.post(
        f"{url}/anmelden",
        data={
            "csrf_token": tokens[1],
            "first_name": "Gerda",
            "last_name": "Gast",
            "email": "gerda.gast@example.org",
            "employer_name": "AWO Musterstadt",
            "consent": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith(f"{url}/bestaetigung")
    # Another visitor's token is refused: it belongs to another session.
    refused = server.test_client()
    refused.get(url)
    assert refused.post(f"{url}/anmelden", data={"csrf_token": tokens[0]}).status_code == 400
    with server.app_context():
        db.engine.dispose()


def test_memo_off_renders_every_time(app, client):
    app.config["READ_MEMO_SECONDS"] = 0
    factories.make_event()
    client.get("/veranstaltungen/")

    _, statements = _statements(client, "/veranstaltungen/")

    assert statements > 0


def test_made_up_query_strings_never_hold_more_than_the_byte_budget(app, client, monkeypatch):
    from netzwerk.core import memo

    factories.make_event(title="Netzwerktreffen Nord")
    page_size = len(client.get("/veranstaltungen/").data)
    monkeypatch.setattr(memo, "_MAX_BYTES", page_size * 5)

    for n in range(40):  # a stranger varying the query string to fill the worker's memory
        assert client.get(f"/veranstaltungen/?x={n}").status_code == 200

    kept = [entry for key, entry in app.extensions["netzwerk.memo"].items() if key[0] == "page"]
    assert 1 <= len(kept) <= 5
    assert app.extensions["netzwerk.memo.bytes"] <= page_size * 5
    _, statements = _statements(client, "/veranstaltungen/?x=39")
    assert statements == 0  # the newest is still served from memory
