"""Hardening that applies to every request: headers, cookies, request ids, the proxy,
and no NUL characters in URLs."""

from flask import Flask

from netzwerk.security.cookies import init_cookies
from netzwerk.security.headers import init_headers
from netzwerk.security.input_guard import init_input_guard
from netzwerk.security.proxy import init_proxy
from netzwerk.security.request_id import init_request_id


def init_security(app: Flask) -> None:
    """Call once in create_app, after the configuration is complete."""
    # Tests may call this on an app that create_app already hardened.
    if app.extensions.get("netzwerk.security"):
        return
    app.extensions["netzwerk.security"] = True
    init_cookies(app)
    init_proxy(app)
    init_request_id(app)
    init_headers(app)
    init_input_guard(app)
