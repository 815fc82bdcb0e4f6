"""The coordinator's queue of confirmed newcomer applications."""

from flask import render_template

from netzwerk.accounts.access import coordinator_blueprint

bp = coordinator_blueprint("newcomers_admin", __name__, "/bewerbungen")


@bp.get("/")
def queue():
    return render_template("newcomers/queue.html")
