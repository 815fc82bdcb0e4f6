"""The outbox: mail is written with the change that causes it and delivered by the worker."""

from datetime import timedelta
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from sqlalchemy import insert, select, text

from netzwerk.db import db, utcnow
from netzwerk.mailing.delivery import deliver_all
from netzwerk.mailing.models import OutboxMessage, OutboxState
from netzwerk.mailing.outbox import Attachment, queue_mail
from tests.conftest import free_port, mail_body


def _queue(to="anna.schmidt@example.org", name="Anna Schmidt", **kwargs):
    message = queue_mail(
        to_email=to,
        to_name=name,
        subject=kwargs.pop("subject", "Einladung zum Fachtag „Übergänge gestalten“"),
        template="password_reset",
        link="http://netzwerk.test/x",
        hours=2,
        **kwargs,
    )
    db.session.commit()
    return message


def test_queued_mail_is_delivered_once_with_german_text_intact(app, smtp):
    _queue()
    _queue(to="joerg@example.org", name="Jörg Größe")

    assert deliver_all() == (2, 0)
    assert deliver_all() == (0, 0)  # nothing goes out twice

    received = smtp.messages
    assert len(received) == 2
    first = smtp.to("anna.schmidt@example.org")[0]
    assert first["Subject"] == "Einladung zum Fachtag „Übergänge gestalten“"
    assert "Anna Schmidt" in first["To"]
    assert "Passwort" in mail_body(first)
    assert smtp.to("joerg@example.org")[0]["To"].addresses[0].display_name == "Jörg Größe"
    states = db.session.execute(select(OutboxMessage.state)).scalars().all()
    assert states == [OutboxState.SENT, OutboxState.SENT]


def test_mail_of_a_rolled_back_change_is_never_sent(app, smtp):
    queue_mail(
        to_email="x@example.org",
        subject="Test",
        template="password_reset",
        link="l",
        hours=1,
    )
    db.session.rollback()
    assert deliver_all() == (0, 0)
    assert smtp.messages == []


def test_server_down_keeps_the_message_for_a_later_retry(app, smtp):
    message = _queue()
    app.config["MAIL_PORT"] = free_port()  # nobody listens there

    assert deliver_all() == (0, 1)
    db.session.refresh(message)
    assert message.state == OutboxState.QUEUED
    assert message.attempts == 1
    assert message.next_attempt_dt > utcnow()
    assert "Connection" in message.last_error or "refused" in message.last_error.lower()

    # The server is back and the retry time has come: it is delivered exactly once.
    app.config["MAIL_PORT"] = smtp.port
    message.next_attempt_dt = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_all() == (1, 0)
    assert len(smtp.messages) == 1


class _RejectOne:
    def __init__(self, rejected):
        self.rejected = rejected
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.rejected:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def test_permanent_refusal_fails_only_that_recipient(app):
    handler = _RejectOne("gone@example.org")
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        good = _queue(to="ok@example.org")
        bad = _queue(to="gone@example.org")
        later = _queue(to="also-ok@example.org")
        assert deliver_all() == (2, 1)
    finally:
        controller.stop()
    for message in (good, bad, later):
        db.session.refresh(message)
    assert good.state == later.state == OutboxState.SENT
    assert bad.state == OutboxState.FAILED
    assert "550" in bad.last_error
    assert len(handler.messages) == 2


def test_attachments_arrive(app, smtp):
    _queue(attachments=(Attachment("termin.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n"),))
    deliver_all()
    parts = [p for p in smtp.messages[0].iter_attachments()]
    assert [p.get_filename() for p in parts] == ["termin.ics"]


def test_header_injection_through_names_and_subjects_is_impossible(app, smtp):
    _queue(name="Eve\r\nBcc: victim@example.org", subject="Hallo\r\nBcc: victim@example.org")
    deliver_all()
    received = smtp.messages
    assert len(received) == 1
    assert received[0]["Bcc"] is None


def test_mail_send_command_reports_in_german(app, smtp, runner):
    _queue()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0
    assert "1 zugestellt" in result.output
    assert len(smtp.messages) == 1


def test_many_rows_at_once_are_stored_as_one_insert_would_store_them(app, monkeypatch):
    """The fan-out's bulk write (COPY on PostgreSQL) keeps every value, awkward characters
    and column defaults included, exactly as an INSERT stores them."""
    from netzwerk.mailing import outbox

    copied = []
    copy_rows = outbox.copy_rows
    monkeypatch.setattr(outbox, "copy_rows", lambda *args: copied.append(copy_rows(*args)))
    now = utcnow()

    def rows(prefix: str) -> list[dict]:
        return [
            {
                "state": OutboxState.QUEUED,
                "to_email": f"{prefix}{i}@example.org",
                "subject": "Rundbrief „Übergänge“\t2026",
                "body_text": f"Hallo Jörg {i},\n\tC:\\Pfad\\N \\. \\\\ Ende\r\n",
                "body_html": None if i else "<p>Grüße &amp; mehr</p>",
                "list_message_id": None,
                "next_attempt_dt": now,
                "created_dt": now,
                "extra_headers": {"List-Id": "Äpfel <a.b>", "X-Zeichen": 'tab\tund \\ "q"'},
            }
            for i in range(3)
        ]

    outbox.insert_outbox_rows(rows("bulk"))
    db.session.execute(insert(OutboxMessage.__table__), rows("einzeln"))
    db.session.commit()
    assert len(copied) == (1 if db.engine.dialect.name == "postgresql" else 0)

    table = OutboxMessage.__table__
    columns = [c for c in table.c if c.name not in ("id", "to_email")]

    def stored(prefix: str) -> list[tuple]:
        return [
            tuple(row)
            for row in db.session.execute(
                select(*columns)
                .where(table.c.to_email.like(f"{prefix}%"))
                .order_by(table.c.to_email)
            )
        ]

    bulk = stored("bulk")
    assert bulk == stored("einzeln")
    first = dict(zip([c.name for c in columns], bulk[0], strict=True))
    assert first["body_text"] == "Hallo Jörg 0,\n\tC:\\Pfad\\N \\. \\\\ Ende\r\n"
    assert first["extra_headers"] == rows("x")[0]["extra_headers"]
    assert (first["to_name"], first["attempts"], first["last_error"]) == ("", 0, "")
    assert first["claimed_by"] is first["sent_dt"] is None


def test_long_copies_are_compressed_with_lz4_where_the_server_has_it(app):
    """Cheaper for the server than its default (pglz); other servers keep the default."""
    from netzwerk.mailing.outbox import insert_outbox_rows

    default = _setting("default_toast_compression")
    now = utcnow()
    body = "".join(f"<p>Absatz {i}: Einladung zum Netzwerktreffen.</p>" for i in range(200))
    insert_outbox_rows(
        [
            {
                "to_email": "lang@example.org",
                "subject": "Lang",
                "body_text": body,
                "body_html": body,
                "next_attempt_dt": now,
                "created_dt": now,
            }
        ]
    )
    db.session.commit()
    stored = db.session.execute(select(OutboxMessage)).scalar_one()
    assert stored.body_html == body
    if db.engine.dialect.name != "postgresql":
        return
    has_lz4 = db.session.execute(
        text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
    ).scalar()
    compression = db.session.execute(
        text("SELECT pg_column_compression(body_html) FROM outbox_messages")
    ).scalar()
    assert compression == ("lz4" if has_lz4 else default)
    assert _setting("default_toast_compression") == default  # ended with the transaction


def _setting(name: str) -> str | None:
    if db.engine.dialect.name != "postgresql":
        return None
    return db.session.execute(text("SELECT current_setting(:name)"), {"name": name}).scalar()
