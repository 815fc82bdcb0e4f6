"""`flask mail send [--loop]`: the outbox worker; it also sends planned list messages."""

import imaplib
import logging
import poplib
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from netzwerk.db import db
from netzwerk.events.cli import run_event_jobs
from netzwerk.mailing.delivery import deliver_all
from netzwerk.mailing.messages import dispatch_scheduled

log = logging.getLogger(__name__)

mail_cli = AppGroup("mail", help="E-Mail-Versand aus dem Postausgang.")


def _dispatch_due() -> None:
    try:
        for message, copies in dispatch_scheduled():
            click.echo(f"Geplante Nachricht „{message.subject}“: {copies} Empfänger eingereiht.")
        db.session.commit()
    except Exception:
        # A broken planned message must not keep the rest of the outbox from going out.
        db.session.rollback()
        log.exception("Dispatching planned list messages failed")


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Weiterlaufen und regelmäßig zustellen.")
@click.option("--interval", default=5.0, show_default=True, help="Sekunden zwischen Durchläufen.")
@click.option("--batch-size", default=100, show_default=True)
def send_command(loop: bool, interval: float, batch_size: int) -> None:
    """Send planned list messages that are due, deliver the outbox, then exit (or --loop)."""
    while True:
        _dispatch_due()
        run_event_jobs()  # expired offers pass on, reminders are queued: sent below
        sent, problems = deliver_all(batch_size)
        if sent or problems or not loop:
            click.echo(f"{sent} zugestellt, {problems} fehlgeschlagen oder zurückgestellt.")
        if not loop:
            return
        time.sleep(interval)


@mail_cli.command("inbox")
def inbox_command() -> None:
    """Read bounce reports and unsubscribe mails from the mailbox (MAIL_INBOX_*)."""
    from netzwerk.mailing.inbox import read_inbox

    if not current_app.config.get("MAIL_INBOX_SERVER"):
        raise click.ClickException("Kein Postfach eingerichtet (MAIL_INBOX_SERVER fehlt).")
    try:
        result = read_inbox()
    except (OSError, imaplib.IMAP4.error, poplib.error_proto) as exc:
        raise click.ClickException(f"Das Postfach ist nicht erreichbar: {exc}") from exc
    click.echo(
        f"{result.bounces} Rückläufer gezählt, {result.unsubscribes} Abmeldung(en) "
        f"ausgeführt, {result.left} andere Mail(s) bleiben ungelesen im Postfach."
    )


def register(app: Flask) -> None:
    app.cli.add_command(mail_cli)
