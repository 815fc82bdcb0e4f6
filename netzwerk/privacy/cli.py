"""`flask privacy purge`: the daily retention job (cron or a systemd timer)."""

import click
from flask import Flask
from flask.cli import AppGroup

from netzwerk.core.templating import datetime_de
from netzwerk.db import db
from netzwerk.privacy.retention import purge, summary_lines

privacy_cli = AppGroup("privacy", help="Datenschutz: Aufbewahrungsfristen durchsetzen.")


@privacy_cli.command("purge")
def purge_command() -> None:
    """Anonymise and delete personal data past its retention period. Safe to run daily."""
    run = purge()
    db.session.commit()
    click.echo(f"Datenschutz-Bereinigung vom {datetime_de(run.ran_dt, 'short')} Uhr:")
    for line in summary_lines(run):
        click.echo(f"  {line}")


def register(app: Flask) -> None:
    app.cli.add_command(privacy_cli)
