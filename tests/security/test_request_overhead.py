"""What every request passes through was made cheaper (netzwerk/security): the session
interface, the security headers and the NUL guard must answer exactly as before."""

import pytest
from flask import Flask, Response, request, session
from flask.sessions import SecureCookieSessionInterface
from hypothesis import given, settings
from hypothesis import strategies as st
from itsdangerous import TimestampSigner

from netzwerk import create_app
from netzwerk.security import headers as security_headers
from netzwerk.security import input_guard
from netzwerk.security.cookies import CookieSessionInterface
from netzwerk.security.input_guard import _has_nul
from tests.conftest import _test_config

# No example database: the tests must not write .hypothesis/ into the working tree.
PROPERTIES = settings(max_examples=300, deadline=None, database=None)


def session_app(interface) -> Flask:
    app = Flask(__name__)
    app.secret_key = "test-secret"
    app.session_interface = interface

    @app.get("/untouched")
    def untouched():
        return "ok"

    @app.get("/read")
    def read():
        return str(session.get("x"))

    @app.get("/write")
    def write():
        session["x"] = 1
        return "ok"

    @app.get("/clear")
    def clear():
        session.clear()
        return "ok"

    @app.get("/read-with-vary")
    def read_with_vary():
        response = Response(str(session.get("x")))
        response.headers["Vary"] = "Accept-Encoding"
        return response

    return app


def _answer(app, path, cookie):
    client = app.test_client()
    headers = {"Cookie": cookie} if cookie is not None else {}
    response = client.get(path, headers=headers)
    return response.status_code, response.headers.to_wsgi_list(), response.data


def _valid_cookie() -> str:
    client = session_app(SecureCookieSessionInterface()).test_client()
    client.get("/write")
    return f"session={client.get_cookie('session').value}"


@pytest.mark.parametrize("path", ["/untouched", "/read", "/write", "/clear", "/read-with-vary"])
@pytest.mark.parametrize("cookie", [None, "", "other=1", "session=", "session=forged.x.y", "valid"])
def test_sessions_answer_as_flasks_own_interface(monkeypatch, path, cookie):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_800_000_000)
    cookie = _valid_cookie() if cookie == "valid" else cookie

    ours = _answer(session_app(CookieSessionInterface()), path, cookie)
    flasks = _answer(session_app(SecureCookieSessionInterface()), path, cookie)

    assert ours == flasks


def setdefault_headers(response: Response) -> Response:
    """add_security_headers as it was: werkzeug's setdefault for each header."""
    for name, value in security_headers.HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", security_headers.STRICT_TRANSPORT_SECURITY
        )
    if session.accessed and "_user_id" in session:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


PRESET = [
    [],
    [("referrer-policy", "no-referrer")],
    [("X-Frame-Options", "SAMEORIGIN"), ("Cache-Control", "public")],
    [("Content-Security-Policy", "default-src 'none'"), ("x-content-type-options", "nosniff")],
]


def _hardened(app, hook, preset, scheme, logged_in) -> list:
    with app.test_request_context("/", base_url=f"{scheme}://netzwerk.test"):
        if logged_in:
            session["_user_id"] = "1"
        return hook(Response("x", headers=preset)).headers.to_wsgi_list()


@pytest.mark.parametrize("preset", PRESET)
@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("logged_in", [False, True])
def test_security_headers_are_added_as_setdefault_did(app, preset, scheme, logged_in):
    ours = _hardened(app, security_headers.add_security_headers, preset, scheme, logged_in)
    before = _hardened(app, setdefault_headers, preset, scheme, logged_in)

    assert ours == before


def refuse_nul_as_before():
    """refuse_nul_in_url as it was: the arguments of every request parsed."""
    arguments = request.args.items(multi=True)
    return _has_nul(request.path) or any(_has_nul(k) or _has_nul(v) for k, v in arguments)


def _outcome(check) -> str:
    try:
        return "refused" if check() else "passed"
    except Exception as exc:  # raw bytes that are not UTF-8 fail while parsing
        return type(exc).__name__


def _refuses_now() -> bool:
    return input_guard.refuse_nul_in_url() is not None


query_pieces = st.sampled_from(["%00", "%2500", "%0", "0", "%", "+", "&", "=", "a", "\x00", "Ã¤"])
# WSGI hands the query over as bytes in a latin-1 str; \x80-\xff are raw bytes.
latin1 = st.text(st.characters(max_codepoint=255), max_size=3)
queries = st.lists(st.one_of(query_pieces, latin1), max_size=12).map("".join)
paths = st.sampled_from(["/", "/veranstaltungen/a%00b", "/kalender.ics"])


@pytest.fixture(scope="module")
def app_for_nul(database_url, tmp_path_factory):
    # One app for all examples: hypothesis reruns the test, not function-scoped fixtures.
    return create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))


@PROPERTIES
@given(query=queries, path=paths)
def test_urls_are_refused_for_nul_as_before(app_for_nul, query, path):
    with app_for_nul.test_request_context(path, environ_overrides={"QUERY_STRING": query}):
        before = _outcome(refuse_nul_as_before)
    with app_for_nul.test_request_context(path, environ_overrides={"QUERY_STRING": query}):
        assert _outcome(_refuses_now) == before
