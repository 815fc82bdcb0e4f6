"""`flask events remind` and `flask events expire-offers`: jobs for cron or a systemd timer.

The mail worker (`flask mail send --loop`) runs both as well, so that offers pass on and
reminders go out where nobody set up a timer.
"""

import logging

import click
from flask import Flask
from flask.cli import AppGroup

from netzwerk.db import db
from netzwerk.events.operations import expire_offers
from netzwerk.events.reminders import send_reminders

log = logging.getLogger(__name__)

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


def run_event_jobs() -> None:
    """Both jobs, each in its own transaction; a failure is logged, never fatal to the
    caller (the mail worker must go on delivering)."""
    for job, report in (
        (expire_offers, "{} abgelaufene(s) Platzangebot(e) weitergegeben."),
        (send_reminders, "{} Erinnerung(en) in den Postausgang gelegt."),
    ):
        try:
            count = job()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("Event job %s failed", job.__name__)
            continue
        if count:
            click.echo(report.format(count))


def register(app: Flask) -> None:
    app.cli.add_command(events_cli)
