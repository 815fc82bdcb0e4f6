"""The personal link of a registration: view, change workshops, cancel, without login.

The token carries the registration's nonce; issuing a new nonce revokes old links.
"""

from netzwerk.core.tokens import InvalidToken, make_token, read_token
from netzwerk.db import db
from netzwerk.events.models import Registration

PURPOSE = "registration"


def registration_token(registration: Registration) -> str:
    return make_token(PURPOSE, [registration.id, registration.token_nonce])


def registration_for_token(token: str) -> Registration:
    try:
        registration_id, nonce = read_token(PURPOSE, token)
    except (TypeError, ValueError) as exc:
        raise InvalidToken() from exc
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.token_nonce != nonce:
        raise InvalidToken()
    return registration
