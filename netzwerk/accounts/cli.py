"""`flask create-admin`: a coordinator account from the command line."""

import click
from flask import Flask

from netzwerk.accounts.operations import create_coordinator
from netzwerk.accounts.passwords import password_problem
from netzwerk.db import db


@click.command("create-admin")
@click.option("--email", required=True, help="E-Mail-Adresse der Koordinierung.")
@click.option("--name", required=True, help="Anzeigename.")
@click.option("--password", help="Passwort; ohne Angabe wird es abgefragt.")
def create_admin_command(email: str, name: str, password: str | None) -> None:
    """Create (or promote) a coordinator account."""
    if password is None:
        password = click.prompt("Passwort", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    user = create_coordinator(email, name, password)
    db.session.commit()
    click.echo(f"Koordinierungszugang für {user.email} ist eingerichtet.")


def register(app: Flask) -> None:
    app.cli.add_command(create_admin_command)
