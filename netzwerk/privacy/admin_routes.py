"""Coordinator pages for data protection: consent proofs, export, erasure, log, legal texts."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.db import db
from netzwerk.privacy import operations
from netzwerk.privacy.collect import (
    collect_person,
    erasure_requests_of,
    find_person,
    has_data,
)
from netzwerk.privacy.erasure import ErasureRefused
from netzwerk.privacy.forms import (
    AuditFilterForm,
    CloseRequestForm,
    ErasureForm,
    LegalPageForm,
    PersonSearchForm,
)
from netzwerk.privacy.labels import (
    ERASURE_EFFECTS,
    audit_action_label,
    audit_object_label,
    section_label,
)
from netzwerk.privacy.legal import LEGAL_ENDPOINTS, LEGAL_PAGES, all_stored_pages, legal_text
from netzwerk.privacy.models import ErasureRequest
from netzwerk.privacy.queries import (
    audit_actions,
    filtered_audit_entries,
    open_erasure_requests,
    pseudonymised_consents,
    recently_settled_requests,
    requests_of,
)
from netzwerk.privacy.responses import json_attachment
from netzwerk.privacy.retention import PURGE_LABELS, last_run
from netzwerk.privacy.settings import setting

bp = coordinator_blueprint("privacy_admin", __name__, "/datenschutz")


@bp.context_processor
def _helpers():
    return {
        "section_label": section_label,
        "audit_action_label": audit_action_label,
        "audit_object_label": audit_object_label,
        "setting": setting,
        "erasure_effects": ERASURE_EFFECTS,
    }


@bp.get("/")
def overview():
    return render_template(
        "privacy/admin_overview.html",
        search=PersonSearchForm(formdata=None),
        requests=open_erasure_requests(),
        settled=recently_settled_requests(),
        last_run=last_run(),
        purge_labels=PURGE_LABELS,
        legal_pages=LEGAL_PAGES,
        legal_endpoints=LEGAL_ENDPOINTS,
        stored_pages=all_stored_pages(),
    )


# --- one person: what is stored, proof of consent, export, erasure ---------------


def _searched_email() -> str:
    search = PersonSearchForm(request.args)
    if not search.validate():
        abort(400)
    return search.email.data


def _person_page(
    search: PersonSearchForm, submitted: bool, close_forms: dict | None = None, status: int = 200
):
    context = {"search": search}
    if submitted and search.validate():
        person = find_person(search.email.data)
        data = collect_person(person)
        found = has_data(data)
        open_requests = requests_of(erasure_requests_of(person))
        forms = {r.id: CloseRequestForm(prefix=f"antrag-{r.id}") for r in open_requests}
        forms |= close_forms or {}
        context |= {
            "person": person,
            "data": data,
            "found": found,
            "open_requests": open_requests,
            "close_forms": forms,
            "pseudonymised": None if found else pseudonymised_consents(person.email),
        }
    return render_template("privacy/admin_person.html", **context), status


@bp.get("/person")
def person():
    return _person_page(PersonSearchForm(request.args), submitted="email" in request.args)


@bp.post("/person/auskunft")
def export_person():
    person = find_person(_searched_email())
    document = operations.export_person_data(person)
    db.session.commit()
    return json_attachment(document)


@bp.route("/person/loeschen", methods=["GET", "POST"])
def erase_person():
    form = ErasureForm(email=request.args.get("email", ""))
    search = PersonSearchForm(formdata=None, data={"email": form.email.data})
    if not search.validate():
        abort(400)
    person = find_person(search.email.data)
    if form.validate_on_submit():
        try:
            outcome = operations.erase(person, current_user, notify=form.notify.data)
        except ErasureRefused as refused:
            flash(refused.message, "warning")
            return redirect(url_for(".person", email=person.email))
        db.session.commit()
        flash(f"Die Daten sind gelöscht bzw. anonymisiert. {outcome.summary}", "success")
        return redirect(url_for(".overview"))
    data = collect_person(person)
    return render_template(
        "privacy/admin_erase.html", form=form, person=person, data=data, found=has_data(data)
    )


@bp.post("/antraege/<int:request_id>/abschliessen")
def close_request(request_id: int):
    erasure_request = db.get_or_404(ErasureRequest, request_id, with_for_update=True)
    form = CloseRequestForm(prefix=f"antrag-{request_id}")
    if not form.validate_on_submit():
        search = PersonSearchForm(formdata=None, data={"email": erasure_request.current_email})
        return _person_page(search, True, {request_id: form}, status=400)
    if not operations.close_erasure_request(erasure_request, current_user, form.reason.data):
        flash(f"Löschantrag Nr. {request_id} war bereits erledigt.", "info")
        return redirect(url_for(".overview"))
    db.session.commit()
    flash(f"Löschantrag Nr. {request_id} ist ohne Löschung erledigt.", "success")
    return redirect(url_for(".overview"))


# --- the audit log -----------------------------------------------------------------


@bp.get("/protokoll")
def audit_log():
    filters = AuditFilterForm(request.args, actions=audit_actions())
    filters.validate()
    page = db.paginate(
        filtered_audit_entries(filters),
        per_page=setting("PRIVACY_AUDIT_PER_PAGE"),
        error_out=False,
    )
    return render_template("privacy/audit_log.html", filters=filters, page=page)


# --- legal pages -------------------------------------------------------------------


def _legal_slug(slug: str) -> str:
    if slug not in LEGAL_PAGES:
        abort(404)
    return slug


@bp.route("/rechtstexte/<slug>", methods=["GET", "POST"])
def edit_legal_page(slug: str):
    text = legal_text(_legal_slug(slug))
    form = LegalPageForm(data={"body": text.body})
    if form.validate_on_submit():
        operations.save_legal_page(slug, form.body.data, current_user)
        db.session.commit()
        flash(f"„{text.title}“ ist gespeichert und sofort sichtbar.", "success")
        return redirect(url_for(".overview"))
    return render_template("privacy/legal_form.html", form=form, text=text)


@bp.post("/rechtstexte/<slug>/standard")
def reset_legal_page(slug: str):
    operations.reset_legal_page(_legal_slug(slug))
    db.session.commit()
    flash(f"„{LEGAL_PAGES[slug]}“ zeigt wieder den mitgelieferten Text.", "success")
    return redirect(url_for(".overview"))
