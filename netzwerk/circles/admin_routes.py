"""Coordinator pages for quality circles: overview, create, edit."""

from flask import render_template

from netzwerk.accounts.access import coordinator_blueprint

bp = coordinator_blueprint("circles_admin", __name__, "/qualitaetszirkel")


@bp.get("/")
def overview():
    return render_template("circles/admin_overview.html")
