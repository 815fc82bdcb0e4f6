"""Public pages as anonymous visitors see them, kept for a few seconds (core/memo.py).

The start page and the event list are what search engines, link previews and visitors
without an account fetch most; for them the page is the same for everyone, so its HTML
is rendered once per data change instead of once per request. A page is kept only when
nothing personal can be in it: no session cookie came with the request and rendering did
not start one or put a CSRF token into a form, and it answered 200.
"""

from __future__ import annotations

from functools import wraps

from flask import Response, current_app, g, request, session

from netzwerk.core.memo import current_generation, keep, recall


def anonymous_page_cache(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "GET" or _carries_session():
            return view(*args, **kwargs)
        key = ("page", request.endpoint, request.full_path)
        kept = recall(key)
        if kept is not None:
            body, mimetype = kept
            return Response(body, mimetype=mimetype)
        generation = current_generation()
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and not _personal():
            keep(key, (response.get_data(), response.mimetype), generation)
        return response

    return wrapper


def _personal() -> bool:
    # Flask-WTF keeps the token it put into a form in g, beside the session it came from.
    return session.modified or "csrf_token" in g


def _carries_session() -> bool:
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies or bool(
        request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    )
