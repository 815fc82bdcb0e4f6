"""Coordinator pages for topic suggestions: states, merging, workshops, export."""

from flask import render_template

from netzwerk.accounts.access import coordinator_blueprint

bp = coordinator_blueprint("topics_admin", __name__, "/themen")


@bp.get("/")
def overview():
    return render_template("topics/admin_overview.html")
