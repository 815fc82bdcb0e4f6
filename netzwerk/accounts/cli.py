"""`flask create-admin`: a coordinator account from the command line."""

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask

from netzwerk.accounts.operations import create_coordinator, normalise_email
from netzwerk.accounts.passwords import password_problem
from netzwerk.db import db


def _ask_password(email: str, name: str) -> str:
    """Ask until a good password has been typed twice; click's own prompts are English."""
    while True:
        password = click.prompt("Passwort", hide_input=True)
        problem = password_problem(password, email=email, name=name)
        if problem:
            click.echo(problem, err=True)
            continue
        if click.prompt("Passwort wiederholen", hide_input=True) == password:
            return password
        click.echo("Die beiden Eingaben stimmen nicht überein. Bitte noch einmal.", err=True)


@click.command("create-admin")
@click.option("--email", required=True, help="E-Mail-Adresse der Koordinierung.")
@click.option("--name", required=True, help="Anzeigename.")
@click.option("--password", help="Passwort; ohne Angabe wird es abgefragt.")
def create_admin_command(email: str, name: str, password: str | None) -> None:
    """Create (or promote) a coordinator account."""
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise click.ClickException(f"Die E-Mail-Adresse „{email}“ ist ungültig.") from exc
    if not name.strip():
        raise click.ClickException("Bitte geben Sie einen Namen an.")
    if password is None:
        password = _ask_password(email, name)
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise click.ClickException(f"Passwort abgelehnt: {problem}")
    user = create_coordinator(email, name.strip(), password)
    db.session.commit()
    click.echo(f"Koordinierungszugang für {user.email} ist eingerichtet.")


def register(app: Flask) -> None:
    app.cli.add_command(create_admin_command)
