"""Queue e-mails in the outbox, inside the transaction of the change that causes them.

Nothing is sent here: `flask mail send` delivers after the commit, so a change that
rolls back never sends mail, and a mail server that is down loses nothing.
"""

from dataclasses import dataclass

from flask import current_app, render_template
from jinja2 import TemplateNotFound

from netzwerk.db import db
from netzwerk.mailing.models import OutboxAttachment, OutboxMessage


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def single_line(value: str | None) -> str:
    """Collapse all whitespace, line breaks included: no header injection via names."""
    return " ".join((value or "").split())


def queue_mail(
    *,
    to_email: str,
    subject: str,
    template: str,
    to_name: str = "",
    attachments: tuple[Attachment, ...] = (),
    extra_headers: dict | None = None,
    reply_to: str | None = None,
    **context,
) -> OutboxMessage:
    """Render templates/mail/<template>.txt (and .html if present) into an outbox row."""
    context.setdefault("to_name", to_name)
    context.setdefault("office_name", current_app.config["OFFICE_NAME"])
    body_text = render_template(f"mail/{template}.txt", **context)
    body_text += render_template("mail/_footer.txt", **context)  # Impressum, Datenschutz
    try:
        body_html = render_template(f"mail/{template}.html", **context)
    except TemplateNotFound:
        body_html = None
    message = OutboxMessage(
        to_email=single_line(to_email),
        to_name=single_line(to_name)[:200],
        subject=single_line(subject)[:300],
        body_text=body_text,
        body_html=body_html,
        reply_to=single_line(reply_to) or None,
        extra_headers=extra_headers or {},
        attachments=[
            OutboxAttachment(filename=a.filename, content_type=a.content_type, data=a.data)
            for a in attachments
        ],
    )
    db.session.add(message)
    db.session.flush()
    return message
