"""Coordinator desk for one event: exports, sign-in sheet, check-in, certificates."""

from flask import Response, abort, flash, redirect, render_template, request, url_for

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.audit import record_audit
from netzwerk.core.errors import render_error
from netzwerk.core.timeutil import berlin_today
from netzwerk.core.tokens import InvalidToken
from netzwerk.db import db
from netzwerk.events import desk_operations, exports
from netzwerk.events.desk_forms import AttendanceForm, CheckinSearchForm
from netzwerk.events.models import Event, Registration
from netzwerk.events.rules import RegistrationRefused
from netzwerk.events.tokens import registration_for_token

bp = coordinator_blueprint("events_desk", __name__, "/veranstaltungen")

NO_ATTENDANCE_YET = (
    "Noch niemand ist als anwesend erfasst. Eine Bescheinigung gibt es nach der Teilnahme."
)
INVALID_QR = (
    "Dieser QR-Code ist ungültig oder gehört zu einer älteren Anmeldung. "
    "Bitte suchen Sie die Person in der Einlassliste."
)


@bp.context_processor
def _helpers():
    return {
        "assigned_workshops": desk_operations.assigned_workshops,
        "state_label": desk_operations.state_label,
    }


@bp.get("/<int:event_id>/unterlagen")
def documents(event_id: int):
    event = db.get_or_404(Event, event_id)
    attended, confirmed = desk_operations.attendance_count(event.id)
    return render_template(
        "events/desk_documents.html",
        event=event,
        status_choices=exports.STATUS_CHOICES,
        default_statuses=exports.DEFAULT_STATUSES,
        attended=attended,
        confirmed=confirmed,
    )


@bp.get("/<int:event_id>/teilnehmende.csv")
def export_csv(event_id: int):
    event = db.get_or_404(Event, event_id)
    statuses = exports.parse_statuses(request.args.getlist("status"))
    excel = request.args.get("format", "excel") != "csv"
    export = exports.export_participants(event, statuses, excel=excel)
    db.session.commit()
    return Response(
        export.content.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


def _printout(event: Event, what: str, registrations: list[Registration]) -> None:
    """Printouts carry personal data: each one goes into the audit log."""
    record_audit("export", "event", event.id, f"{what} „{event.title}“: {len(registrations)}")
    db.session.commit()


@bp.get("/<int:event_id>/unterschriftenliste.pdf")
def sign_in_sheet(event_id: int):
    event = db.get_or_404(Event, event_id)
    registrations = desk_operations.confirmed_registrations(event.id)
    _printout(event, "Unterschriftenliste", registrations)
    pdf = _pdf()
    content = pdf.sign_in_sheet(event, registrations)
    return pdf.pdf_response(content, f"unterschriftenliste-{event.id}.pdf")


@bp.get("/<int:event_id>/namensschilder.pdf")
def badges(event_id: int):
    event = db.get_or_404(Event, event_id)
    registrations = desk_operations.confirmed_registrations(event.id)
    _printout(event, "Namensschilder", registrations)
    pdf = _pdf()
    content = pdf.name_badges(event, registrations)
    return pdf.pdf_response(content, f"namensschilder-{event.id}.pdf")


@bp.get("/<int:event_id>/bescheinigungen.pdf")
def certificates(event_id: int):
    event = db.get_or_404(Event, event_id)
    registrations = desk_operations.attended_registrations(event.id)
    if not registrations:
        return render_error(404, NO_ATTENDANCE_YET)
    _printout(event, "Teilnahmebescheinigungen", registrations)
    pdf = _pdf()
    content = pdf.certificates(event, registrations)
    return pdf.pdf_response(content, f"teilnahmebescheinigungen-{event.id}.pdf")


# --- check-in on the day -------------------------------------------------------------


def _list_args(search: CheckinSearchForm) -> dict:
    """The search to come back to after a tap, so the list does not jump."""
    args = {}
    if search.q.data:
        args["q"] = search.q.data
    if search.offen.data:
        args["offen"] = "1"
    return args


@bp.get("/<int:event_id>/checkin")
def checkin(event_id: int):
    event = db.get_or_404(Event, event_id)
    search = CheckinSearchForm(formdata=request.args)
    search.validate()
    term = "" if search.q.errors else (search.q.data or "")
    registrations = desk_operations.confirmed_registrations(event.id, term)
    if search.offen.data:
        registrations = [r for r in registrations if r.attended_dt is None]
    attended, confirmed = desk_operations.attendance_count(event.id)
    return render_template(
        "events/checkin.html",
        event=event,
        search=search,
        list_args=_list_args(search),
        registrations=registrations,
        attended=attended,
        confirmed=confirmed,
        form=AttendanceForm(formdata=None),
    )


@bp.post("/<int:event_id>/checkin/<int:registration_id>")
def checkin_mark(event_id: int, registration_id: int):
    registration = db.get_or_404(Registration, registration_id)
    if registration.event_id != event_id:
        abort(404)
    form = AttendanceForm()
    if not form.validate_on_submit():
        abort(400)
    _mark(registration, form.attended)
    search = CheckinSearchForm(formdata=request.args)
    return redirect(
        url_for(
            "events_desk.checkin",
            event_id=event_id,
            _anchor=f"person-{registration.id}",
            **_list_args(search),
        )
    )


def _mark(registration: Registration, attended: bool) -> None:
    name = f"{registration.first_name} {registration.last_name}"
    try:
        desk_operations.mark_attended(registration, attended)
    except RegistrationRefused as refused:
        db.session.rollback()
        flash(f"{name}: {refused.message}", "error")
        return
    db.session.commit()
    if attended:
        flash(f"{name} ist als anwesend erfasst.", "success")
    else:
        flash(f"Die Anwesenheit von {name} ist zurückgenommen.", "info")


@bp.route("/checkin/<token>", methods=["GET", "POST"])
def checkin_scan(token: str):
    """The QR code from the confirmation: the phone camera opens this page."""
    try:
        registration = registration_for_token(token)
    except InvalidToken:
        return render_error(400, INVALID_QR)
    form = AttendanceForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        _mark(registration, form.attended)
        return redirect(url_for("events_desk.checkin_scan", token=token))
    event = registration.event
    return render_template(
        "events/checkin_scan.html",
        token=token,
        event=event,
        registration=registration,
        form=AttendanceForm(formdata=None),
        warnings=desk_operations.checkin_warnings(registration, berlin_today()),
        attended=desk_operations.is_attended(registration),
        state=desk_operations.state_label(registration),
        workshops=desk_operations.assigned_workshops(registration),
        counts=desk_operations.attendance_count(event.id),
    )


def _pdf():
    # Loaded with the first printed document, not with every worker: fpdf and its font
    # tools weigh 45 MB, and most workers never print.
    from netzwerk.events import pdf

    return pdf
