"""Queue e-mails in the outbox, inside the transaction of the change that causes them.

Nothing is sent here: `flask mail send` delivers after the commit, so a change that
rolls back never sends mail, and a mail server that is down loses nothing.
"""

from dataclasses import dataclass

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy import insert, text

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


# A copy's text and HTML together exceed PostgreSQL's 2 kB row threshold, so the server
# compresses them: lz4 costs less CPU than pglz, the default (server CPU of the fan-out to
# 5,000: 0.36 -> 0.25 s). Only for this transaction, and only if the server was built with
# lz4 (PostgreSQL 14 or later); such a server reads values compressed either way.
_LZ4_FOR_THIS_TRANSACTION = text(
    "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings"
    " WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)


def insert_outbox_rows(rows: list[dict]) -> None:
    """Many outbox rows at once, in the session's transaction, each dict with the same keys.

    On PostgreSQL with psycopg the rows are streamed with COPY: executemany sends one INSERT
    per row, which for a list of 5,000 took longer than everything else in the request.
    """
    if not rows:
        return
    connection = db.session.connection()
    table = OutboxMessage.__table__
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        connection.execute(_LZ4_FOR_THIS_TRANSACTION)
        copy_rows(connection, table, rows)
    else:
        # Into the table, not through the ORM's bulk insert, which handles each row again.
        connection.execute(insert(table), rows)


def copy_rows(connection, table, rows: list[dict]) -> None:
    """COPY rows into a table as INSERT would write them: each value through its column
    type's bind processing (enum to text, JSON, UTC), Python-side defaults for the columns
    not given, server defaults and the id sequence for the rest."""
    from psycopg import sql

    dialect = connection.dialect
    given = list(rows[0])
    defaults = [
        column
        for column in table.columns
        if column.name not in given
        and column.default is not None
        and (column.default.is_scalar or column.default.is_callable)
    ]
    columns = [table.c[name] for name in given] + defaults
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    )
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row[name] for name in given]
            values += [_default_value(column.default) for column in defaults]
            for position, process in enumerate(processors):
                if process is not None:
                    values[position] = process(values[position])
            copy.write_row(values)


def _default_value(default):
    # A callable default takes the execution context as INSERT would pass it; ours ignore it.
    return default.arg(None) if default.is_callable else default.arg
