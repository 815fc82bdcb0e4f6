"""Public pages as anonymous visitors see them, kept for a few seconds (core/memo.py).

The start page, the event list and the event pages are what search engines, link previews
and visitors without an account fetch most; for them the page is the same for everyone,
so its HTML is rendered once per data change instead of once per request. A page is kept
only when nothing personal can be in it: no session cookie came with the request,
rendering did not start a session, and it answered 200.

A form on such a page (a guest registration) needs a CSRF token of the visitor's own. The
page is rendered with a stand-in for it, kept so, and every visitor's response gets their
own token in its place: one signature instead of rendering the page again.
"""

from __future__ import annotations

from functools import wraps

from flask import Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from netzwerk.core.memo import current_generation, keep, recall

# Never a real token: those are signed and carry a dot.
TOKEN_STANDIN = "netzwerk-csrf-token-standin"  # noqa: S105 - a placeholder, no secret
_STANDIN_BYTES = TOKEN_STANDIN.encode()


def anonymous_page_cache(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "GET" or _carries_session():
            return view(*args, **kwargs)
        key = ("page", request.endpoint, request.full_path)
        kept = recall(key)
        if kept is not None:
            body, mimetype = kept
            return _with_own_token(Response(body, mimetype=mimetype), body)
        generation = current_generation()
        token_name = _token_name()
        # Flask-WTF takes the request's token from g when it is there.
        setattr(g, token_name, TOKEN_STANDIN)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        finally:
            g.pop(token_name, None)
        body = response.get_data()
        if response.status_code == 200 and not session.modified:
            keep(key, (body, response.mimetype), generation, size=len(body))
        return _with_own_token(response, body)

    return wrapper


def _with_own_token(response: Response, body: bytes) -> Response:
    if _STANDIN_BYTES in body:
        response.set_data(body.replace(_STANDIN_BYTES, generate_csrf().encode()))
    return response


def _token_name() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _carries_session() -> bool:
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies or bool(
        request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    )
