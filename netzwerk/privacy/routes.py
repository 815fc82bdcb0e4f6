"""A person's own data: overview and export (Art. 15/20), the request for erasure (Art. 17)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from netzwerk.core.urls import external_url
from netzwerk.db import db
from netzwerk.privacy import operations
from netzwerk.privacy.collect import collect_person, person_of
from netzwerk.privacy.forms import ErasureRequestForm
from netzwerk.privacy.labels import section_label
from netzwerk.privacy.responses import json_attachment

bp = Blueprint("privacy", __name__)

# Mail templates (templates/mail/_footer.txt) build absolute links, also in CLI jobs.
bp.add_app_template_global(external_url, "external_url")


def _my_data_page(form: ErasureRequestForm, status: int = 200):
    return render_template(
        "privacy/my_data.html",
        data=collect_person(person_of(current_user)),
        form=form,
        open_request=operations.open_erasure_request(current_user),
        section_label=section_label,
    ), status


@bp.get("/konto/daten")
@login_required
def my_data():
    return _my_data_page(ErasureRequestForm(formdata=None))


@bp.get("/konto/daten/export.json")
@login_required
def download_my_data():
    return json_attachment(operations.export_own_data(current_user))


@bp.post("/konto/daten/loeschung")
@login_required
def request_erasure():
    form = ErasureRequestForm()
    if not form.validate_on_submit():
        return _my_data_page(form, status=400)
    _, created = operations.request_erasure(current_user, form.note.data or "")
    db.session.commit()
    if created:
        flash(
            "Ihr Antrag auf Löschung ist eingegangen. Die Koordinierungsstelle prüft ihn und "
            "meldet sich innerhalb eines Monats bei Ihnen.",
            "success",
        )
    else:
        flash("Ihr Antrag auf Löschung liegt der Koordinierungsstelle bereits vor.", "info")
    return redirect(url_for(".my_data"))
