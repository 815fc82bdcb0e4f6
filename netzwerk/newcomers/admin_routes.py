"""The coordinator's queue of confirmed newcomer applications: accept or decline."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.db import db
from netzwerk.newcomers import operations
from netzwerk.newcomers.forms import DeclineForm
from netzwerk.newcomers.models import Application
from netzwerk.newcomers.queries import pending_count, recently_decided, waiting_applications

bp = coordinator_blueprint("newcomers_admin", __name__, "/bewerbungen")


def _decline_form(application_id: int) -> DeclineForm:
    # One form per application on the page: the prefix keeps field ids unique.
    return DeclineForm(prefix=f"bewerbung-{application_id}")


def _render_queue(bound_form: DeclineForm | None = None, bound_id: int | None = None):
    waiting = waiting_applications()
    forms = {a.id: _decline_form(a.id) for a in waiting}
    if bound_form is not None:
        forms[bound_id] = bound_form
    return render_template(
        "newcomers/queue.html",
        waiting=waiting,
        decline_forms=forms,
        decided=recently_decided(),
        pending=pending_count(),
    )


@bp.get("/")
def queue():
    return _render_queue()


@bp.post("/<int:application_id>/annehmen")
def accept(application_id: int):
    application = db.get_or_404(Application, application_id, with_for_update=True)
    try:
        outcome = operations.accept_application(application, current_user)
    except operations.ApplicationNotOpen as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".queue"))
    db.session.commit()
    flash(_accept_message(application, outcome), "success")
    return redirect(url_for(".queue"))


def _accept_message(application: Application, outcome: operations.AcceptOutcome) -> str:
    member = outcome.member
    if outcome.linked_existing:
        parts = [
            f"Zu {member.email} gibt es bereits ein Mitglied ({member.full_name}). "
            "Die Bewerbung ist damit verknüpft; ein zweites Mitglied wurde nicht angelegt, "
            "die Angaben des Mitglieds sind unverändert."
        ]
        if outcome.reactivated:
            parts.append("Das Mitglied war inaktiv und ist jetzt wieder aktiv.")
    else:
        parts = [f"{member.full_name} ist jetzt Mitglied des Netzwerks."]
        if application.school_name and not outcome.school_matched:
            parts.append(
                f"Die Schule „{application.school_name}“ steht nicht im Schulverzeichnis; "
                "sie ist in den Notizen des Mitglieds vermerkt."
            )
    if outcome.invited:
        parts.append("Die Einladung zum Festlegen des Passworts ist unterwegs.")
    else:
        parts.append("Die Person hat bereits einen Zugang; eine Einladung war nicht nötig.")
    return " ".join(parts)


@bp.post("/<int:application_id>/ablehnen")
def decline(application_id: int):
    application = db.get_or_404(Application, application_id, with_for_update=True)
    form = _decline_form(application_id)
    if not form.validate_on_submit():
        return _render_queue(form, application_id)
    try:
        operations.decline_application(application, current_user, form.reason.data or "")
    except operations.ApplicationNotOpen as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".queue"))
    db.session.commit()
    flash(
        f"Die Bewerbung von {application.full_name} ist abgelehnt; die Absage ist unterwegs. "
        "Telefon, Schule, Träger und Nachricht wurden gelöscht.",
        "success",
    )
    return redirect(url_for(".queue"))
