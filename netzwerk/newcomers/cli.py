"""`flask newcomers purge`: delete unconfirmed applications whose link has expired."""

import click
from flask import Flask
from flask.cli import AppGroup

from netzwerk.db import db
from netzwerk.newcomers.operations import purge_expired_applications

newcomers_cli = AppGroup("newcomers", help="Bewerbungen über /mitmachen.")


@newcomers_cli.command("purge")
def purge_command() -> None:
    """Delete pending applications older than APPLICATION_CONFIRM_MAX_AGE."""
    removed = purge_expired_applications()
    db.session.commit()
    click.echo(f"{removed} unbestätigte Bewerbung(en) gelöscht.")


def register(app: Flask) -> None:
    app.cli.add_command(newcomers_cli)
