"""Coordinator pages for writing to a list: compose, preview, test, send, schedule, results."""

from netzwerk.accounts.access import coordinator_blueprint

bp = coordinator_blueprint("mailing_messages", __name__, "/verteiler")
