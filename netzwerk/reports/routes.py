"""The coordinator's start page (what needs me today) and the yearly report."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response, render_template, request
from werkzeug.datastructures import MultiDict

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.circles.queries import stale_after
from netzwerk.core.timeutil import berlin_today, combine_berlin
from netzwerk.db import db, utcnow
from netzwerk.reports import queries
from netzwerk.reports.exports import report_csv
from netzwerk.reports.forms import PeriodForm
from netzwerk.reports.report import CALENDAR_YEAR, PERIOD_KINDS, Period, build_report, cell_text
from netzwerk.reports.svg import fill_bar

bp = coordinator_blueprint("reports", __name__)

FAILED_MAIL_PER_PAGE = 50
# The privacy purge is meant to run every night; after this long the start page says so.
PURGE_OVERDUE_AFTER = timedelta(days=2)


@bp.context_processor
def _helpers():
    return {"cell_text": cell_text}


def start_of_yesterday(now: datetime) -> datetime:
    """Midnight in Berlin at the beginning of yesterday, as UTC."""
    return combine_berlin(berlin_today(now) - timedelta(days=1))


@bp.get("/")
def dashboard():
    now = utcnow()
    board = queries.dashboard(now, start_of_yesterday(now), stale_after())
    last_purge = board.counters.last_purge_dt
    return render_template(
        "reports/dashboard.html",
        board=board,
        fill_bar=fill_bar,
        purge_overdue=last_purge is None or now - last_purge > PURGE_OVERDUE_AFTER,
        report_period=Period.current(CALENDAR_YEAR, berlin_today(now)),
    )


@bp.get("/postausgang/fehler")
def failed_mail():
    page = db.paginate(queries.failed_mail_query(), per_page=FAILED_MAIL_PER_PAGE, error_out=False)
    return render_template("reports/failed_mail.html", page=page)


# --- the yearly report -----------------------------------------------------------------


def _period_form(now: datetime) -> PeriodForm:
    """The form over the query string; what is missing means "this calendar year"."""
    today = berlin_today(now)
    given = MultiDict(request.args)
    kind = given.get("zeitraum", CALENDAR_YEAR)
    if "zeitraum" not in given:
        given["zeitraum"] = kind
    if "jahr" not in given:
        current = Period.current(kind if kind in PERIOD_KINDS else CALENDAR_YEAR, today)
        given["jahr"] = str(current.year)
    return PeriodForm(given, today=today)


def _refused(form: PeriodForm):
    return render_template("reports/yearly.html", form=form, report=None), 400


@bp.get("/jahresbericht")
def yearly_report():
    now = utcnow()
    form = _period_form(now)
    if not form.validate():
        return _refused(form)
    report = build_report(form.period(), now)
    return render_template("reports/yearly.html", form=form, report=report)


@bp.get("/jahresbericht.csv")
def yearly_report_csv():
    now = utcnow()
    form = _period_form(now)
    if not form.validate():
        return _refused(form)
    export = report_csv(build_report(form.period(), now))
    return _download(export.content.encode("utf-8"), "text/csv; charset=utf-8", export.filename)


@bp.get("/jahresbericht.pdf")
def yearly_report_pdf():
    now = utcnow()
    form = _period_form(now)
    if not form.validate():
        return _refused(form)
    report = build_report(form.period(), now)
    # Loaded here, not with every worker: fpdf and its font tools weigh 45 MB.
    from netzwerk.reports.pdf import report_pdf

    return _download(
        report_pdf(report), "application/pdf", f"jahresbericht-{report.period.slug}.pdf"
    )


def _download(content: bytes, content_type: str, filename: str) -> Response:
    response = Response(content, mimetype=content_type.split(";")[0])
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
