"""Attendance certificates for participants (personal link or account)."""

from flask import Blueprint, abort
from flask_login import current_user

from netzwerk.accounts.access import member_required
from netzwerk.core.errors import render_error
from netzwerk.core.tokens import InvalidToken
from netzwerk.db import db
from netzwerk.events.desk_operations import is_attended
from netzwerk.events.models import Registration
from netzwerk.events.tokens import registration_for_token

bp = Blueprint("certificates", __name__)

NOT_YET = "Eine Bescheinigung gibt es nach der Teilnahme."
INVALID_LINK = (
    "Dieser Link ist ungültig oder nicht mehr aktuell. Bitte nutzen Sie den Link aus Ihrer "
    "neuesten E-Mail zu dieser Anmeldung oder wenden Sie sich an die Koordinierungsstelle."
)


def _certificate(registration: Registration):
    if not is_attended(registration):
        return render_error(404, NOT_YET)
    from netzwerk.events import pdf  # not with every worker: see desk_routes._pdf

    content = pdf.certificates(registration.event, [registration])
    return pdf.pdf_response(content, f"teilnahmebescheinigung-{registration.event_id}.pdf")


@bp.get("/anmeldung/<token>/bescheinigung.pdf")
def by_token(token: str):
    try:
        registration = registration_for_token(token)
    except InvalidToken:
        return render_error(400, INVALID_LINK)
    return _certificate(registration)


@bp.get("/meine-anmeldungen/<int:registration_id>/bescheinigung.pdf")
@member_required
def mine(registration_id: int):
    registration = db.session.get(Registration, registration_id)
    # Someone else's registration looks exactly like a missing one.
    if registration is None or registration.member_id != current_user.member.id:
        abort(404)
    return _certificate(registration)
