"""Unsubscribe links and list headers for list mail (RFC 2369, RFC 2919, RFC 8058).

The token names a list and an address, is signed with the app's secret and never
expires: an unsubscribe link in a mail from years ago must still work.
"""

from email.utils import formataddr
from urllib.parse import quote, urlsplit

from flask import current_app

from netzwerk.core.tokens import InvalidToken, make_token, read_token
from netzwerk.core.urls import external_url
from netzwerk.mailing.models import MailingList

UNSUBSCRIBE_PURPOSE = "list-unsubscribe"


def unsubscribe_token(list_id: int, email: str) -> str:
    return make_token(UNSUBSCRIBE_PURPOSE, [list_id, email.strip().lower()])


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """(list_id, email) from a token. Raises InvalidToken for a forged or damaged one."""
    payload = read_token(UNSUBSCRIBE_PURPOSE, token)  # no max_age: never expires
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or not isinstance(payload[1], str)
    ):
        raise InvalidToken()
    return payload[0], payload[1]


def unsubscribe_url(mailing_list: MailingList, email: str) -> str:
    """The one-click URL: GET shows a button, POST unsubscribes at once."""
    return external_url("mailing.unsubscribe", token=unsubscribe_token(mailing_list.id, email))


def unsubscribe_address() -> str:
    """The mailbox that receives mailto unsubscribe requests; the office reads it."""
    configured = current_app.config.get("MAILING_UNSUBSCRIBE_EMAIL")
    if configured:
        return configured
    _, sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return "unsubscribe@" + sender.rpartition("@")[2]


def unsubscribe_mailto(mailing_list: MailingList, email: str) -> str:
    # The token goes into the subject, not the local part: a local part may hold at
    # most 64 characters (RFC 5321), and the token is longer. The slug tells the office
    # which list; `flask lists unsubscribe` reads the token.
    subject = f"Abmelden {mailing_list.slug} {unsubscribe_token(mailing_list.id, email)}"
    return f"mailto:{unsubscribe_address()}?subject={quote(subject)}"


def list_host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def list_id_header(mailing_list: MailingList) -> str:
    """ "Name <slug.lists.host>"; a name with umlauts is encoded (RFC 2047)."""
    return formataddr((mailing_list.name, f"{mailing_list.slug}.lists.{list_host()}"), "utf-8")
