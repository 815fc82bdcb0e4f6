"""Quality circles for members: overview, meetings, minutes, joining."""

from flask import Blueprint, render_template

bp = Blueprint("circles", __name__)


@bp.get("/qualitaetszirkel/")
def list_circles():
    return render_template("circles/list.html")
