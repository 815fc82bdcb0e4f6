"""Public and member pages of mailing lists: subscribe, confirm, unsubscribe, archive."""

from flask import Blueprint, render_template

bp = Blueprint("mailing", __name__)


@bp.get("/verteiler/")
def subscriptions():
    return render_template("mailing/subscriptions.html")
