"""The public newcomer form (/mitmachen) and its e-mail confirmation."""

from flask import Blueprint, render_template

bp = Blueprint("newcomers", __name__)


@bp.route("/mitmachen", methods=["GET", "POST"])
def apply():
    return render_template("newcomers/apply.html")
