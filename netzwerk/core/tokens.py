"""Signed, expiring tokens for links in e-mails (reset, invitation, confirmation)."""

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidToken(Exception):
    """The link is forged, damaged, expired or already used."""

    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # The purpose is the salt, so a token for one purpose never opens another.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"netzwerk.{purpose}")


def make_token(purpose: str, payload) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: timedelta | None = None):
    seconds = int(max_age.total_seconds()) if max_age is not None else None
    try:
        return _serializer(purpose).loads(token, max_age=seconds)
    except SignatureExpired as exc:
        raise InvalidToken(expired=True) from exc
    except BadSignature as exc:
        raise InvalidToken() from exc
