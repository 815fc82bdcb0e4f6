"""How a list message looks for one recipient: the text and HTML parts, the footer
saying why the person receives it, the personal unsubscribe link and the list headers.

The fan-out renders once with markers (Marker) in place of the personal parts and fills
them in per copy; preview and test mail render for one recipient directly.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from dataclasses import dataclass

from flask import current_app, render_template
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes

from netzwerk.core.richtext import render_markdown
from netzwerk.core.tokens import InvalidToken
from netzwerk.core.urls import external_url
from netzwerk.mailing import tokens
from netzwerk.mailing.models import ListMessage, MailingList
from netzwerk.mailing.outbox import single_line
from netzwerk.mailing.recipients import (
    VIA_SEGMENT,
    VIA_SUBSCRIPTION,
    Recipient,
    describe_segments,
    list_recipients,
)


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


_LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\((\S+?)(?:\s+\"[^\"]*\")?\)")
_BLANK_LINES = re.compile(r"\n{3,}")


def plain_text(markdown_source: str) -> str:
    """The Markdown source as the plain-text part: links spelled out, whitespace tidied."""
    text = markdown_source.replace("\r\n", "\n").replace("\r", "\n")
    text = _LINK.sub(
        lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text
    )
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def greeting_for(recipient: Recipient) -> str:
    name = single_line(recipient.first_name or recipient.name)
    return f"Hallo {name}," if name else "Hallo,"


def reasons(mailing_list: MailingList) -> dict[str, str]:
    """Why a person receives the list, for the footer: by subscription or by a rule."""
    name = f"„{mailing_list.name}“"
    rules = describe_segments(mailing_list.segments)
    by_rule = f"Sie erhalten diese E-Mail als Fachkraft im Netzwerk über den Verteiler {name}"
    if rules:
        by_rule += " (" + "; oder ".join(rules) + ")"
    return {
        VIA_SUBSCRIPTION: (
            f"Sie erhalten diese E-Mail, weil Sie den Verteiler {name} abonniert haben."
        ),
        VIA_SEGMENT: by_rule + ".",
    }


def _event_context(message: ListMessage) -> dict | None:
    event = message.event
    if event is None:
        return None
    return {
        "title": event.title,
        "start_dt": event.start_dt,
        "url": external_url("events.detail", event_id=event.id),
    }


def _links(mailing_list: MailingList) -> dict:
    return {
        "imprint_url": external_url("core.imprint"),
        "privacy_url": external_url("core.privacy"),
        "accessibility_url": external_url("core.accessibility"),
        "archive_url": external_url("mailing_archive.archive", slug=mailing_list.slug)
        if mailing_list.has_archive and "mailing_archive" in current_app.blueprints
        else None,
    }


def render(message: ListMessage, *, greeting, unsubscribe_url, reason) -> tuple[str, str]:
    mailing_list = message.mailing_list
    context = {
        "mailing_list": mailing_list,
        "subject": message.subject,
        "greeting": greeting,
        "body_text": plain_text(message.body),
        "body_html": render_markdown(message.body),
        "event": _event_context(message),
        "attachments": [f.filename for f in message.files],
        "unsubscribe_url": unsubscribe_url,
        "reason": reason,
        **_links(mailing_list),
    }
    return (
        render_template("mail/list_message.txt", **context),
        render_template("mail/list_message.html", **context),
    )


def render_for(message: ListMessage, recipient: Recipient) -> RenderedMail:
    """The mail exactly as this recipient gets it (preview and test mail)."""
    text, html = render(
        message,
        greeting=greeting_for(recipient) if message.greet_by_name else None,
        unsubscribe_url=tokens.unsubscribe_url(message.mailing_list, recipient.email),
        reason=reasons(message.mailing_list)[recipient.via],
    )
    return RenderedMail(message.subject, text, html)


def sample_recipient(message: ListMessage, fallback_user) -> Recipient:
    """Whom the preview shows the message for: the first recipient, else the coordinator."""
    recipients = list_recipients(message.mailing_list)
    if recipients:
        return recipients[0]
    return recipient_for_user(fallback_user)


def recipient_for_user(user) -> Recipient:
    member = getattr(user, "member", None)
    return Recipient(
        email=user.email,
        name=member.full_name if member else user.name,
        first_name=member.first_name if member else user.name.split(" ")[0],
        member_id=member.id if member else None,
        via=VIA_SUBSCRIPTION,
    )


def archive_html(message: ListMessage):
    """The message body for the archive page: no greeting, no personal link, sanitised."""
    return render_markdown(message.body)


def list_headers(list_id: str, unsubscribe_url: str, mailto: str) -> dict:
    """List-Id, List-Unsubscribe (https and mailto) and the one-click marker (RFC 8058)."""
    return {
        "List-Id": list_id,
        "List-Unsubscribe": f"<{unsubscribe_url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # Keeps out-of-office replies away from the office's mailbox.
        "Precedence": "bulk",
    }


class Marker:
    """A random placeholder that survives HTML escaping and cannot occur in the text."""

    def __init__(self, name: str):
        self.value = f"X{secrets.token_hex(8)}{name}X"


def _token_maker(mailing_list: MailingList):
    """Unsubscribe tokens for a whole fan-out, signed as itsdangerous does, with what is the
    same for every copy done once: the derived key, the HMAC state, the timestamp (one
    second for all). itsdangerous derives the key again for every token, a third of the
    fan-out's time. Used only when its tokens read back like the official ones; otherwise
    tokens.unsubscribe_token is called per copy."""
    serializer = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"netzwerk.{tokens.UNSUBSCRIBE_PURPOSE}"
    )
    signer = serializer.make_signer(serializer.salt)
    separator = signer.sep
    stamp = separator + base64_encode(int_to_bytes(signer.get_timestamp()))
    mac = hmac.new(signer.derive_key(), digestmod=signer.digest_method)

    def make(email: str) -> str:
        # Never compressed, unlike dump_payload's attempt: zlib saves nothing on one
        # address, and reading accepts both forms.
        payload = json.dumps(
            [mailing_list.id, email.strip().lower()], ensure_ascii=False, separators=(",", ":")
        )
        value = base64_encode(payload) + stamp
        signature = mac.copy()
        signature.update(value)
        return (value + separator + base64_encode(signature.digest())).decode()

    probe = "probe@example.org"
    try:
        if tokens.read_unsubscribe_token(make(probe)) == (mailing_list.id, probe):
            return make
    except InvalidToken:
        pass
    return lambda email: tokens.unsubscribe_token(mailing_list.id, email)


def personal_link_factory(mailing_list: MailingList):
    """(url, mailto) for an address, built from one template: one token per recipient."""
    sample = "sample@example.org"
    sample_token = tokens.unsubscribe_token(mailing_list.id, sample)
    url_template = tokens.unsubscribe_url(mailing_list, sample)
    mailto_template = tokens.unsubscribe_mailto(mailing_list, sample)
    if sample_token not in url_template or sample_token not in mailto_template:
        return lambda email: (
            tokens.unsubscribe_url(mailing_list, email),
            tokens.unsubscribe_mailto(mailing_list, email),
        )
    make_token = _token_maker(mailing_list)

    def links(email: str) -> tuple[str, str]:
        token = make_token(email)
        return (
            url_template.replace(sample_token, token),
            mailto_template.replace(sample_token, token),
        )

    return links
