"""Coordinator pages for mailing lists: settings, segments, subscribers."""

from flask import render_template

from netzwerk.accounts.access import coordinator_blueprint

bp = coordinator_blueprint("mailing_admin", __name__, "/verteiler")


@bp.get("/")
def list_lists():
    return render_template("mailing/admin_lists.html")
