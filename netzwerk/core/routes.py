"""Start page, health check and the legal pages."""

from flask import Blueprint, render_template
from sqlalchemy import text

from netzwerk.core.memo import remembered
from netzwerk.core.pagecache import anonymous_page_cache
from netzwerk.db import db
from netzwerk.members.queries import coverage_summary
from netzwerk.privacy.legal import legal_text

bp = Blueprint("core", __name__)


@bp.get("/")
@anonymous_page_cache
def index():
    # The figures count the whole network: reused for a few seconds (core/memo.py).
    return render_template("core/index.html", coverage=remembered(("coverage",), coverage_summary))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure means "not healthy"; the reason goes to the log
        db.session.rollback()
        return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


# Legal pages: the text the coordinator wrote (privacy_admin.edit_legal_page), else a default.


@bp.get("/impressum")
def imprint():
    return render_template("core/imprint.html", page=legal_text("impressum"))


@bp.get("/datenschutz")
def privacy():
    return render_template("core/privacy.html", page=legal_text("datenschutz"))


@bp.get("/barrierefreiheit")
def accessibility():
    return render_template("core/accessibility.html", page=legal_text("barrierefreiheit"))
