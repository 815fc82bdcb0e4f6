"""Member-facing pages: own profile and the network directory."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("members", __name__)


@bp.route("/profil", methods=["GET", "POST"])
@login_required
def profile():
    return render_template("members/profile.html")


@bp.get("/netzwerk/verzeichnis")
@login_required
def directory():
    return render_template("members/directory.html")
