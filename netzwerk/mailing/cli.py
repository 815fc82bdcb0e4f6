"""`flask mail send [--loop]`: the outbox worker."""

import time

import click
from flask import Flask
from flask.cli import AppGroup

from netzwerk.mailing.delivery import deliver_all

mail_cli = AppGroup("mail", help="E-Mail-Versand aus dem Postausgang.")


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Weiterlaufen und regelmäßig zustellen.")
@click.option("--interval", default=5.0, show_default=True, help="Sekunden zwischen Durchläufen.")
@click.option("--batch-size", default=100, show_default=True)
def send_command(loop: bool, interval: float, batch_size: int) -> None:
    """Deliver what waits in the outbox, then exit (or keep going with --loop)."""
    while True:
        sent, problems = deliver_all(batch_size)
        if sent or problems or not loop:
            click.echo(f"{sent} zugestellt, {problems} fehlgeschlagen oder zurückgestellt.")
        if not loop:
            return
        time.sleep(interval)


def register(app: Flask) -> None:
    app.cli.add_command(mail_cli)
