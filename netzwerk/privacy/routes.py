"""A person's own data: export (Art. 15/20) and the request for erasure (Art. 17)."""

from flask import Blueprint, render_template

bp = Blueprint("privacy", __name__)


@bp.get("/konto/daten")
def my_data():
    return render_template("privacy/my_data.html")
