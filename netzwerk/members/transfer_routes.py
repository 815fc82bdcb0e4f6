"""CSV import and export of members and schools (coordinators only).

Import in two steps: the upload is checked and shown as a preview, and only the
confirmation writes. The decoded file waits in the instance folder in between.
"""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Regexp

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.core.errors import render_error
from netzwerk.db import db
from netzwerk.members.models import SchoolForm
from netzwerk.members.transfer import (
    CsvExport,
    ImportNotValid,
    export_members,
    export_schools,
    import_members,
    import_schools,
    validate_member_rows,
    validate_school_rows,
)
from netzwerk.members.transfer_csv import (
    MAX_FILE_BYTES,
    MEMBER_COLUMNS,
    SCHOOL_COLUMNS,
    ImportFileError,
    decode_csv,
    read_table,
)
from netzwerk.members.transfer_uploads import (
    PendingImportMissing,
    claim_pending,
    discard_pending,
    release_pending,
    store_pending,
)

bp = coordinator_blueprint("transfer", __name__, "/daten")

IMPORT_KINDS = {
    "mitglieder": (MEMBER_COLUMNS, validate_member_rows, import_members),
    "schulen": (SCHOOL_COLUMNS, validate_school_rows, import_schools),
}


class UploadForm(FlaskForm):
    kind = RadioField(
        "Was möchten Sie importieren?",
        choices=[
            SelectChoice("mitglieder", "Mitglieder (Fachkräfte)"),
            SelectChoice("schulen", "Schulen"),
        ],
        default="mitglieder",
        validators=[InputRequired("Bitte wählen Sie, was Sie importieren möchten.")],
    )
    file = FileField(
        "CSV-Datei",
        validators=[FileRequired("Bitte wählen Sie eine CSV-Datei aus.")],
        description="Aus Excel gespeichert als „CSV UTF-8“ oder „CSV (Trennzeichen-getrennt)“, "
        "höchstens 5 MB.",
        render_kw={"accept": ".csv,.txt,text/csv"},
    )


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9a-f]{32}$")])
    run = SubmitField("Import ausführen")
    only_valid = SubmitField("Nur die gültigen Zeilen importieren")
    cancel = SubmitField("Abbrechen")


# --- export --------------------------------------------------------------------


def _csv_response(export: CsvExport) -> Response:
    response = Response(export.content.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return response


@bp.get("/mitglieder.csv")
def export_members_csv():
    """Filters as in the member list: gruppe (id or slug), status (aktiv, inaktiv, alle)."""
    active = {"aktiv": True, "inaktiv": False}.get(request.args.get("status", ""))
    export = export_members(group=request.args.get("gruppe", ""), active=active)
    db.session.commit()
    return _csv_response(export)


@bp.get("/schulen.csv")
def export_schools_csv():
    try:
        school_form = SchoolForm(request.args.get("schulform", ""))
    except ValueError:
        school_form = None
    district = request.args.get("sozialraum", "")
    export = export_schools(
        school_form=school_form, district_id=int(district) if district.isdigit() else None
    )
    return _csv_response(export)


# --- import --------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        columns, validate, _ = IMPORT_KINDS[form.kind.data]
        storage = form.file.data
        try:
            text = decode_csv(storage.stream.read(MAX_FILE_BYTES + 1))
            check = validate(read_table(text, columns))
        except ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            pending = store_pending(form.kind.data, storage.filename or "", text)
            return _preview(pending, check)
    return render_template("members/import.html", form=form)


def _preview(pending, check, *, rechecked: bool = False):
    form = ConfirmForm(token=pending.token)
    return render_template(
        "members/import_preview.html",
        form=form,
        pending=pending,
        check=check,
        rechecked=rechecked,
    ), (409 if rechecked else 200)


@bp.post("/import/bestaetigen")
def confirm():
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_error(400)
    token = form.token.data
    if form.cancel.data:
        discard_pending(token)
        flash("Der Import wurde abgebrochen. Es wurde nichts gespeichert.", "info")
        return redirect(url_for(".upload"))
    try:
        pending = claim_pending(token)
    except PendingImportMissing:
        flash(
            "Diese Datei wurde bereits importiert oder der Import ist abgelaufen. "
            "Bitte laden Sie die Datei bei Bedarf erneut hoch.",
            "error",
        )
        return redirect(url_for(".upload"))
    columns, _, run_import = IMPORT_KINDS[pending.kind]
    try:
        check = run_import(read_table(pending.text, columns), only_valid=form.only_valid.data)
    except ImportNotValid as exc:
        # The data changed since the preview: nothing was written; show the new findings.
        release_pending(token)
        return _preview(pending, exc.check, rechecked=True)
    db.session.commit()
    discard_pending(token)
    _flash_result(pending.kind, check)
    return render_template("members/import_done.html", pending=pending, check=check)


def _flash_result(kind: str, check) -> None:
    if kind == "mitglieder":
        message = f"{check.new_count} Mitglieder angelegt, {len(check.updated)} aktualisiert."
    else:
        message = f"{check.new_count} Schulen angelegt, {len(check.updated)} aktualisiert."
    if check.errors:
        message += f" {check.bad_line_count} fehlerhafte Zeilen wurden nicht übernommen."
    flash(message, "success")
