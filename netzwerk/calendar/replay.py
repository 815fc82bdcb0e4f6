"""Public feeds polled again get Flask's last answer again, without Flask, while nothing that
answer was built from can have changed.

Calendar programs poll /kalender.ics and the group feeds far more often than events change,
mostly with the ETag they hold. The feed itself is cheap by then (its version is remembered,
its bytes cached); Flask's way around it (contexts, session, hooks, headers) cost several
times a bare route. So once Flask has answered a poll, the same poll (GET, same path, host,
scheme, If-None-Match and Accept-Encoding; no cookie, query or If-Modified-Since) gets that
answer again from here: status, headers and body as Flask gave them, with this request's own
X-Request-ID. It ends with the first commit in this process, when the remembered version
runs out (netzwerk/core/memo.py) or a setting the feed depends on changes; the next poll
goes through Flask again.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from netzwerk.core.memo import Lease, lease
from netzwerk.security.request_id import HEADER, request_id_for

_ENVIRON_KEY = "netzwerk.calendar.replay"
# Settings the feeds' answers depend on, besides what their lease covers.
_SETTINGS = (
    "BASE_URL",
    "SITE_NAME",
    "OFFICE_NAME",
    "ICAL_REFRESH",
    "ICAL_PAST",
    "ICAL_CANCELLED_GRACE",
    "READ_MEMO_SECONDS",
)
_MAX_ANSWERS = 256  # one per feed and ETag held by a client; past this, start afresh
# The full feed is 0.7 MB at state size; a Host header or If-None-Match can be anything,
# so the count alone would let strangers fill the worker's memory.
_MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class _Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    lease: Lease
    settings: tuple

    def send(self, environ, start_response):
        request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response(
            self.status,
            [(name, request_id if name == HEADER else value) for name, value in self.headers],
        )
        return [self.body] if self.body else []


def offer(values: list[tuple[tuple, object]]) -> None:
    """Let this request's answer be sent again while the remembered values (key, value)
    it was built from stay what memo.remembered() returns."""
    granted = lease(values)
    if granted is not None:
        request.environ[_ENVIRON_KEY] = granted


def _request_key(environ) -> tuple | None:
    if (
        environ.get("REQUEST_METHOD") != "GET"
        or environ.get("QUERY_STRING")
        or "HTTP_COOKIE" in environ
        or "HTTP_IF_MODIFIED_SINCE" in environ  # compared with the clock
    ):
        return None
    return (
        environ.get("PATH_INFO"),
        environ.get("SCRIPT_NAME"),
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("HTTP_IF_NONE_MATCH"),
        environ.get("HTTP_ACCEPT_ENCODING"),  # gzip or not
    )


class Replay:
    """WSGI middleware around Flask (inside ProxyFix, so the scheme is the client's)."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.answers: dict[tuple, _Answer] = {}
        self.bytes = 0

    def __call__(self, environ, start_response):
        key = _request_key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        answer = self.answers.get(key)
        if answer is not None:
            if answer.lease.holds(self.app.extensions) and answer.settings == self._settings():
                return answer.send(environ, start_response)
            self.answers.pop(key, None)
        return self._record(key, environ, start_response)

    def _settings(self) -> tuple:
        config = self.app.config
        return tuple(config.get(name) for name in _SETTINGS)

    def _record(self, key, environ, start_response):
        seen = []

        def capture(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        granted = environ.get(_ENVIRON_KEY)
        if granted is None or not seen or seen[0][:3] not in ("200", "304"):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        if len(self.answers) >= _MAX_ANSWERS or self.bytes + len(data) > _MAX_BYTES:
            self.answers.clear()
            self.bytes = 0
        if len(data) <= _MAX_BYTES:
            self.answers[key] = _Answer(seen[0], list(seen[1]), data, granted, self._settings())
            self.bytes += len(data)
        return [data]


def install(app: Flask) -> None:
    inner = app.wsgi_app
    if isinstance(inner, ProxyFix):
        inner.app = Replay(app, inner.app)
    else:
        app.wsgi_app = Replay(app, inner)
