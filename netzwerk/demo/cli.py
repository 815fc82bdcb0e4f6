"""`flask demo-data [--scale N]`: a believable fictitious network."""

import click
from flask import Flask


@click.command("demo-data")
@click.option("--scale", default=1, show_default=True, help="Vervielfacht die Größe.")
def demo_data_command(scale: int) -> None:
    """Fill the database with a fictitious network."""
    raise click.ClickException("Noch nicht verfügbar.")


def register(app: Flask) -> None:
    app.cli.add_command(demo_data_command)
