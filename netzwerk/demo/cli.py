"""`flask demo-data [--scale N] [--if-empty]`: a believable fictitious network."""

import click
from flask import Flask
from flask.cli import with_appcontext

from netzwerk.db import db
from netzwerk.demo.accounts import working_demo_logins
from netzwerk.demo.network import build_network, has_members


@click.command("demo-data")
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Vervielfacht die Größe (1: etwa 40 Schulen und 100 Fachkräfte).",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Nur anlegen, wenn die Datenbank noch keine Mitglieder enthält; sonst nichts tun.",
)
@with_appcontext
def demo_data_command(scale: int, if_empty: bool) -> None:
    """Fill an empty database with a fictitious network (Musterstadt)."""
    if has_members():
        if not if_empty:
            raise click.ClickException(
                "Die Datenbank enthält bereits Mitglieder. Demodaten werden nur in eine "
                "leere Datenbank geladen."
            )
        click.echo("Die Datenbank enthält bereits Mitglieder; es werden keine Demodaten angelegt.")
        _echo_logins(working_demo_logins())
        return
    ctx = build_network(scale)
    db.session.commit()
    summary = ", ".join(f"{number} {label}" for label, number in ctx.counts.items())
    click.echo(f"Demodaten für Musterstadt angelegt: {summary}.")
    _echo_logins(ctx.logins)


def _echo_logins(logins: list[tuple[str, str, str]]) -> None:
    if not logins:
        return
    click.echo("")
    click.echo("Zum Ausprobieren melden Sie sich unter /login an:")
    for label, email, password in logins:
        click.echo(f"  {label + ':':<15} {email}  Passwort: {password}")


def register(app: Flask) -> None:
    app.cli.add_command(demo_data_command)
