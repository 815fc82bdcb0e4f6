"""Topic suggestions: suggest, vote, comment."""

from flask import Blueprint, render_template

bp = Blueprint("topics", __name__)


@bp.get("/themen/")
def list_topics():
    return render_template("topics/list.html")
