"""Coordinator pages for data protection: consent proofs, export, erasure, audit log."""

from flask import render_template

from netzwerk.accounts.access import coordinator_blueprint

bp = coordinator_blueprint("privacy_admin", __name__, "/datenschutz")


@bp.get("/")
def overview():
    return render_template("privacy/admin_overview.html")
