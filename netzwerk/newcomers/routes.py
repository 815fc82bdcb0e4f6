"""The public newcomer form (/mitmachen) and its e-mail confirmation."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from netzwerk.core.tokens import InvalidToken
from netzwerk.db import db
from netzwerk.members.queries import all_groups
from netzwerk.newcomers import operations
from netzwerk.newcomers.forms import ApplicationForm, ConfirmForm
from netzwerk.newcomers.models import ApplicationState
from netzwerk.newcomers.queries import known_school_names

bp = Blueprint("newcomers", __name__)


def _confirm_days() -> int:
    return current_app.config["APPLICATION_CONFIRM_MAX_AGE"].days


@bp.route("/mitmachen", methods=["GET", "POST"])
def apply():
    form = ApplicationForm(groups=all_groups())
    if form.validate_on_submit():
        operations.submit_application(form.details())
        db.session.commit()
        # The same page for every address: nobody learns who is a member or has applied.
        return redirect(url_for("newcomers.sent"))
    return render_template("newcomers/apply.html", form=form, school_names=known_school_names())


@bp.get("/mitmachen/gesendet")
def sent():
    return render_template("newcomers/sent.html", days=_confirm_days())


@bp.route("/mitmachen/bestaetigen/<token>", methods=["GET", "POST"])
def confirm(token: str):
    try:
        application = operations.application_for_token(token, lock=request.method == "POST")
    except InvalidToken as exc:
        return render_template(
            "newcomers/token_invalid.html", expired=exc.expired, days=_confirm_days()
        ), 400
    if application.state != ApplicationState.PENDING:
        return render_template("newcomers/already_confirmed.html")
    form = ConfirmForm()
    if form.validate_on_submit():
        operations.confirm_application(application)
        db.session.commit()
        return redirect(url_for("newcomers.confirmed"))
    return render_template("newcomers/confirm.html", form=form, application=application)


@bp.get("/mitmachen/bestaetigt")
def confirmed():
    return render_template("newcomers/confirmed.html")
