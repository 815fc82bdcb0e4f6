"""Session and remember-me cookies: __Host- names and Secure when served over https.

Production opts in with NETZWERK_SESSION_COOKIE_SECURE=true; `make run` on plain
http://127.0.0.1:5000 keeps working with the default (a Secure cookie would never
come back over http, and browsers refuse __Host- cookies without Secure).
"""

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

SECURE_SESSION_COOKIE = "__Host-netzwerk"
SECURE_REMEMBER_COOKIE = "__Host-netzwerk_remember"
PLAIN_SESSION_COOKIE = "netzwerk_session"
PLAIN_REMEMBER_COOKIE = "netzwerk_remember"
# Names that are ours to choose; anything else was set on purpose and is kept.
_DERIVED = {
    "session",  # Flask's default
    "remember_token",  # Flask-Login's default
    SECURE_SESSION_COOKIE,
    SECURE_REMEMBER_COOKIE,
    PLAIN_SESSION_COOKIE,
    PLAIN_REMEMBER_COOKIE,
}
# A logged-in session's cookie is signed anew (its 8 hours start again) at most this often,
# not on every response: signing cost about as much as a small page's own work.
SESSION_REFRESH_INTERVAL = timedelta(minutes=5)


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, cheaper for requests without a session.

    Feeds and public pages mostly come without the cookie; Flask built the signing
    serializer, parsed the Cookie header and read the cookie settings for them all the
    same, which cost more than the rest of their session handling. What they get is
    unchanged: an empty session, and "Vary: Cookie" once something looked at it.

    Logged-in requests: the serializer is built once per key, not twice per request, and
    an unchanged permanent session is re-signed only when its cookie is older than
    SESSION_REFRESH_INTERVAL (Flask re-signs it on every response).
    """

    def get_signing_serializer(self, app) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        cached = app.extensions.get("netzwerk_session_serializer")
        if cached is None or cached[0] != keys:
            cached = (keys, super().get_signing_serializer(app))
            app.extensions["netzwerk_session_serializer"] = cached
        return cached[1]

    def open_session(self, app, request):
        if app.secret_key and not (
            request.environ.get("HTTP_COOKIE") and request.cookies.get(self.get_cookie_name(app))
        ):
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(
                request.cookies[self.get_cookie_name(app)], max_age=max_age, return_timestamp=True
            )
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or datetime.now(UTC) - signed_at >= SESSION_REFRESH_INTERVAL

    def save_session(self, app, session, response):
        if session or session.modified:
            return super().save_session(app, session, response)
        if not session.accessed:
            return None
        if "Vary" in response.headers:
            response.vary.add("Cookie")
        else:  # what vary.add gives, without parsing a header that is not there
            response.headers["Vary"] = "Cookie"
        return None


def init_cookies(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
    config = app.config
    secure = bool(config.get("SESSION_COOKIE_SECURE"))
    config["SESSION_COOKIE_SECURE"] = secure
    config["REMEMBER_COOKIE_SECURE"] = secure
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    if config.get("SESSION_COOKIE_NAME", "session") in _DERIVED:
        config["SESSION_COOKIE_NAME"] = SECURE_SESSION_COOKIE if secure else PLAIN_SESSION_COOKIE
    if config.get("REMEMBER_COOKIE_NAME", "remember_token") in _DERIVED:
        config["REMEMBER_COOKIE_NAME"] = SECURE_REMEMBER_COOKIE if secure else PLAIN_REMEMBER_COOKIE
    if secure:
        # A __Host- cookie must have Path=/ and no Domain, or browsers drop it.
        config["SESSION_COOKIE_PATH"] = "/"
        config["SESSION_COOKIE_DOMAIN"] = None
        config["REMEMBER_COOKIE_PATH"] = "/"
        config["REMEMBER_COOKIE_DOMAIN"] = None
