"""Configuration defaults and how the database URL and secret key are found."""

import os
import secrets
from datetime import timedelta
from pathlib import Path


class Defaults:
    SITE_NAME = "Netzwerk Schulsozialarbeit"
    OFFICE_NAME = "Koordinierungsstelle Schulsozialarbeit"
    OFFICE_EMAIL = "koordination@example.org"
    # Used for links in e-mails, which are written outside any request.
    BASE_URL = "http://127.0.0.1:5000"

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Production behind https sets NETZWERK_SESSION_COOKIE_SECURE=true: the cookies then
    # become Secure and __Host- prefixed (netzwerk/security/cookies.py). Off for `make run`.
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # How many reverse proxies in front of the app set each X-Forwarded-* header
    # (werkzeug's ProxyFix). 0 ignores the header, so nobody can fake an address or https.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    PROXY_FIX_X_PORT = 0
    PROXY_FIX_X_PREFIX = 0

    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"

    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = ("Netzwerk Schulsozialarbeit", "netzwerk@example.org")
    MAIL_TIMEOUT = 30
    # CA bundle to verify the mail server's certificate; None uses the system's CA store.
    MAIL_CA_FILE = None

    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    LOGIN_MAX_FAILURES_PER_IP = 30
    PASSWORD_RESET_MAX_AGE = timedelta(hours=2)
    INVITATION_MAX_AGE = timedelta(days=14)
    APPLICATION_CONFIRM_MAX_AGE = timedelta(days=7)
    MEMBERS_PER_PAGE = 50

    CONSENT_TEXT_VERSION = "2026-11"

    MAILING_CONFIRM_DAYS = 7
    # Where List-Unsubscribe mailto: requests go; None: unsubscribe@<sender's domain>.
    MAILING_UNSUBSCRIBE_EMAIL = None
    CIRCLE_MINUTES_STALE_DAYS = 90
    TOPICS_PUBLIC_SUGGESTIONS = False
    TOPIC_CONFIRM_MAX_AGE = timedelta(days=7)

    # How often calendar programs should poll feeds (REFRESH-INTERVAL, X-PUBLISHED-TTL).
    ICAL_REFRESH = timedelta(hours=1)
    ICAL_PAST = timedelta(days=183)
    ICAL_CANCELLED_GRACE = timedelta(days=30)
    ICAL_CACHE_BYTES = 64 * 1024 * 1024


def database_url(app_instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(app_instance_path) / "netzwerk.sqlite3")
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance_path: str) -> str:
    """A secret key kept in the instance folder, made on first start.

    Production sets NETZWERK_SECRET_KEY instead; this keeps `make run` working
    on a fresh clone without a shared, guessable default.
    """
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
