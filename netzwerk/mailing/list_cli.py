"""`flask lists purge` and `flask lists unsubscribe`: housekeeping for mailing lists."""

import click
from flask import Flask
from flask.cli import AppGroup

from netzwerk.core.tokens import InvalidToken
from netzwerk.db import db
from netzwerk.mailing.lists import purge_pending_subscriptions, unsubscribe
from netzwerk.mailing.models import MailingList
from netzwerk.mailing.tokens import read_unsubscribe_token

lists_cli = AppGroup("lists", help="E-Mail-Verteiler.")


@lists_cli.command("purge")
def purge_command() -> None:
    """Delete subscription requests not confirmed within MAILING_CONFIRM_DAYS."""
    removed = purge_pending_subscriptions()
    db.session.commit()
    click.echo(f"{removed} unbestätigte Anmeldung(en) gelöscht.")


@lists_cli.command("unsubscribe")
@click.argument("subjects", nargs=-1, required=True)
def unsubscribe_command(subjects: tuple[str, ...]) -> None:
    """Carry out unsubscribe mails (List-Unsubscribe mailto).

    Pass each mail's subject ("Abmelden <liste> <code>") or just the code; the office
    reads the mailbox and copies them here.
    """
    failed = 0
    for subject in subjects:
        words = subject.split()
        try:
            list_id, email = read_unsubscribe_token(words[-1] if words else "")
        except InvalidToken:
            click.echo(f"Ungültig, übersprungen: {subject}", err=True)
            failed += 1
            continue
        mailing_list = db.session.get(MailingList, list_id)
        if mailing_list is None:
            click.echo(f"Den Verteiler gibt es nicht mehr: {email}")
            continue
        unsubscribe(mailing_list, email)
        click.echo(f"{email} von „{mailing_list.name}“ abgemeldet.")
    db.session.commit()
    if failed:
        raise SystemExit(1)


def register(app: Flask) -> None:
    app.cli.add_command(lists_cli)
