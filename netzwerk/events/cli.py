"""`flask events remind` and `flask events expire-offers`: jobs for cron or a systemd timer."""

import click
from flask import Flask
from flask.cli import AppGroup

from netzwerk.db import db
from netzwerk.events.operations import expire_offers
from netzwerk.events.reminders import send_reminders

events_cli = AppGroup("events", help="Veranstaltungen: Erinnerungen und Platzangebote.")


@events_cli.command("remind")
def remind_command() -> None:
    """Erinnerungen für bald beginnende Veranstaltungen in den Postausgang legen."""
    count = send_reminders()
    db.session.commit()
    click.echo(f"{count} Erinnerung(en) in den Postausgang gelegt.")


@events_cli.command("expire-offers")
def expire_offers_command() -> None:
    """Abgelaufene Platzangebote an die Nächsten auf der Warteliste weitergeben."""
    count = expire_offers()
    db.session.commit()
    click.echo(f"{count} abgelaufene(s) Platzangebot(e) weitergegeben.")


def register(app: Flask) -> None:
    app.cli.add_command(events_cli)
