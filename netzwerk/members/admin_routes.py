"""Coordinator pages for members: list with filters, detail, edit, deactivate, invite."""

from flask import render_template

from netzwerk.accounts.access import coordinator_blueprint

bp = coordinator_blueprint("members_admin", __name__, "/mitglieder")


@bp.get("/")
def list_members():
    return render_template("members/admin_list.html")
