"""Trust X-Forwarded-* only from the configured number of reverse proxies (ProxyFix)."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

SETTINGS = ("for", "proto", "host", "port", "prefix")


def init_proxy(app: Flask) -> None:
    # Each setting counts the proxies in front of the app that set that header;
    # 0 (the default) ignores the header, so nobody can fake an address or https.
    counts = {name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}") or 0) for name in SETTINGS}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{k}": v for k, v in counts.items()})
