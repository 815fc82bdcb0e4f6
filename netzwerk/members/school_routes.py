"""Coordinator pages for schools, Berufsgruppen, Träger, Sozialräume and coverage."""

from flask import render_template

from netzwerk.accounts.access import coordinator_blueprint

bp = coordinator_blueprint("schools_admin", __name__)


@bp.get("/schulen/")
def list_schools():
    return render_template("members/schools.html")


@bp.get("/abdeckung")
def coverage():
    return render_template("members/coverage.html")
