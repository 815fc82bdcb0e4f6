"""Public event pages, registration, the personal registration link, my registrations."""

from __future__ import annotations

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from netzwerk.accounts.access import member_required
from netzwerk.calendar.ical import event_calendar
from netzwerk.calendar.routes import calendar_response
from netzwerk.core.errors import render_error
from netzwerk.core.pagecache import anonymous_page_cache
from netzwerk.core.richtext import render_markdown
from netzwerk.core.tokens import InvalidToken
from netzwerk.db import db, utcnow
from netzwerk.events import listing, operations
from netzwerk.events.guests import register_guest
from netzwerk.events.models import Event, EventState, Registration, RegistrationState
from netzwerk.events.operations import Applicant
from netzwerk.events.public_forms import (
    ConfirmForm,
    EventFilterForm,
    registration_form,
    workshop_form,
    workshop_slots,
)
from netzwerk.events.queries import counts_by_event, workshop_counts
from netzwerk.events.rules import (
    RegistrationRefused,
    check_audience,
    check_cancellation_allowed,
    check_registration_open,
)
from netzwerk.events.tokens import registration_for_token, registration_token
from netzwerk.extensions import login_manager
from netzwerk.members.models import Member
from netzwerk.members.queries import all_groups

bp = Blueprint("events", __name__)

CHECKIN_ENDPOINT = "events_desk.checkin_scan"


@bp.after_request
def _keep_personal_links_private(response: Response) -> Response:
    # The token in the URL opens someone's registration: no caching, no Referer leaks.
    if request.view_args and "token" in request.view_args:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    return response


def _current_member() -> Member | None:
    return current_user.member if current_user.is_authenticated else None


def _is_coordinator() -> bool:
    return current_user.is_authenticated and current_user.is_coordinator


def _event_for_visitor(event_id: int, *, lock: bool = False) -> Event:
    """The event if this visitor may see it: drafts only for coordinators, members-only
    events only for people who are logged in. lock: for a registration, which locks the
    event anyway; locked first, it is loaded once."""
    event = operations.find_and_lock_event(event_id) if lock else db.session.get(Event, event_id)
    if event is None:
        abort(404)
    if event.state == EventState.DRAFT and not _is_coordinator():
        abort(404)
    if not event.is_public and not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    return operations.load_workshops_and_groups(event)


# --- the event list -----------------------------------------------------------


@bp.get("/veranstaltungen/")
@anonymous_page_cache
def list_events():
    return _event_list(archive=request.args.get("archiv") == "1")


@bp.get("/veranstaltungen/archiv")
@anonymous_page_cache
def archive():
    return _event_list(archive=True)


def _event_list(*, archive: bool):
    groups = all_groups()
    form = EventFilterForm(request.args, groups=groups)
    filters = listing.EventFilters(
        group_slug=form.gruppe.data or "", kind=form.art.data or "", archive=archive
    )
    now = utcnow()
    page = listing.visible_events(
        filters,
        logged_in=current_user.is_authenticated,
        now=now,
        page=request.args.get("page", 1, type=int),
    )
    # Filtered by a Berufsgruppe, the subscribe box offers that group's feed.
    group = next((g for g in groups if g.slug == filters.group_slug), None)
    return render_template(
        "events/list.html",
        form=form,
        page=page,
        events=page.items,
        availability=listing.availability_for(page.items, now),
        archive=archive,
        feed_group=group,
    )


# --- one event and its registration form -----------------------------------------


def _registration_blocker(event: Event, member: Member | None, now) -> str | None:
    """Why this visitor cannot register here (German), or None if the form applies."""
    try:
        check_registration_open(event, now)
        if current_user.is_authenticated and member is None and not event.allows_guests:
            return (
                "Ihr Zugang ist mit keinem Mitgliedsprofil verbunden. Bitte wenden Sie sich "
                "an die Koordinierungsstelle, wenn Sie teilnehmen möchten."
            )
        check_audience(event, member)
    except RegistrationRefused as refused:
        return refused.message
    return None


def _groups_for(member: Member | None) -> list:
    """The Berufsgruppen a guest may choose from; members bring theirs from the profile."""
    return all_groups() if member is None else []


def _render_detail(event: Event, *, form=None, refusal: str | None = None, status: int = 200):
    now = utcnow()
    member = _current_member()
    counts = counts_by_event([event.id])[event.id]
    seats = workshop_counts(event)
    registration = listing.member_registration(event, member)
    if registration is not None and registration.state == RegistrationState.CANCELLED:
        registration = None
    blocker = None if registration else _registration_blocker(event, member, now)
    if form is None and registration is None and blocker is None:
        form = registration_form(
            event, guest=member is None, seats_taken=seats, groups=_groups_for(member)
        )
    return render_template(
        "events/detail.html",
        event=event,
        description_html=render_markdown(event.description),
        programme_html=render_markdown(event.programme),
        availability=listing.availability(event, counts, now),
        slots=workshop_slots(event),
        seats=seats,
        form=form,
        member=member,
        registration=registration,
        state_labels=listing.STATE_LABELS,
        blocker=blocker,
        refusal=refusal,
        login_url=url_for("accounts.login", next=url_for("events.detail", event_id=event.id)),
        is_past=event.end_dt < now,
        now=now,
    ), status


@bp.get("/veranstaltungen/<int:event_id>")
@anonymous_page_cache
def detail(event_id: int):
    return _render_detail(_event_for_visitor(event_id))


@bp.get("/veranstaltungen/<int:event_id>.ics")
def event_ics(event_id: int):
    event = _event_for_visitor(event_id)
    data = event_calendar(event, base_url=current_app.config["BASE_URL"]).to_ical()
    return calendar_response(
        data,
        last_modified=event.updated_dt,
        filename=f"veranstaltung-{event.id}.ics",
        private=not event.is_public,
    )


@bp.post("/veranstaltungen/<int:event_id>/anmelden")
def register(event_id: int):
    event = _event_for_visitor(event_id, lock=True)
    member = _current_member()
    blocker = _registration_blocker(event, member, utcnow())
    if blocker:
        return _render_detail(event, refusal=blocker, status=409)
    guest = member is None
    form = registration_form(
        event, guest=guest, seats_taken=workshop_counts(event), groups=_groups_for(member)
    )
    if not form.validate_on_submit():
        return _render_detail(event, form=form, status=422)
    try:
        if guest:
            register_guest(event.id, form.applicant(), form.picks())
        else:
            operations.register(
                event.id, Applicant.from_member(member, form.answers()), form.picks()
            )
        db.session.commit()
    except RegistrationRefused as refused:
        db.session.rollback()
        return _refused(event, member, form, refused)
    # event_id, not event.id: after the commit that would load the event again.
    if guest:
        return redirect(url_for("events.guest_pending", event_id=event_id))
    return redirect(url_for("events.registered", event_id=event_id))


def _refused(event: Event, member: Member | None, form, refused: RegistrationRefused):
    existing = listing.member_registration(event, member)
    if existing is not None and existing.state != RegistrationState.CANCELLED:
        # A double submit: the first one went through, so show its result.
        flash("Sie sind für diese Veranstaltung bereits angemeldet.", "info")
        return redirect(url_for("events.registered", event_id=event.id))
    shown_at_field = form.add_error(refused.field, refused.message)
    return _render_detail(
        event, form=form, refusal=None if shown_at_field else refused.message, status=409
    )


@bp.get("/veranstaltungen/<int:event_id>/angemeldet")
@member_required
def registered(event_id: int):
    event = _event_for_visitor(event_id)
    registration = listing.member_registration(event, current_user.member)
    if registration is None:
        return redirect(url_for("events.detail", event_id=event.id))
    return render_template(
        "events/register_done.html",
        event=event,
        registration=registration,
        position=listing.waiting_position(registration),
        manage_url=url_for("events.registration_manage", token=registration_token(registration)),
    )


@bp.get("/veranstaltungen/<int:event_id>/bestaetigung")
def guest_pending(event_id: int):
    return render_template("events/register_guest_sent.html", event=_event_for_visitor(event_id))


# --- the personal link -------------------------------------------------------------


def _registration_for(token: str) -> Registration:
    try:
        return registration_for_token(token)
    except InvalidToken:
        abort(
            make_response(
                render_error(
                    400,
                    "Dieser Link ist ungültig oder nicht mehr gültig. Bitte verwenden Sie den "
                    "Link aus Ihrer neuesten E-Mail oder wenden Sie sich an die "
                    "Koordinierungsstelle.",
                )
            )
        )


def _manage_url(token: str) -> str:
    return url_for("events.registration_manage", token=token)


def _checkin_available() -> bool:
    return CHECKIN_ENDPOINT in current_app.view_functions


def _render_manage(
    registration: Registration, token: str, *, form=None, mode="view", message=None, status=200
):
    event = registration.event
    now = utcnow()
    try:
        check_cancellation_allowed(event, now)
        change_blocker = None
    except RegistrationRefused as refused:
        change_blocker = refused.message
    is_active = registration.state != RegistrationState.CANCELLED
    seats = workshop_counts(event)
    if form is None and is_active and event.workshops:
        form = workshop_form(event, seats)
        form.set_picks(registration)
    return render_template(
        "events/manage.html",
        registration=registration,
        event=event,
        token=token,
        form=form,
        confirm_form=ConfirmForm(),
        mode=mode,
        message=message,
        change_blocker=change_blocker,
        is_active=is_active,
        state_labels=listing.STATE_LABELS,
        state_badges=listing.STATE_BADGES,
        position=listing.waiting_position(registration),
        offer_open=registration.state == RegistrationState.OFFERED
        and registration.offer_expires_dt is not None
        and registration.offer_expires_dt > now,
        show_qr=registration.state == RegistrationState.CONFIRMED and _checkin_available(),
        is_past=event.end_dt < now,
    ), status


@bp.route("/anmeldung/<token>", methods=["GET", "POST"])
def registration_manage(token: str):
    registration = _registration_for(token)
    if request.method == "GET":
        return _render_manage(registration, token)
    form = workshop_form(registration.event, workshop_counts(registration.event))
    if not form.validate_on_submit():
        return _render_manage(registration, token, form=form, status=422)
    try:
        operations.change_workshops(registration, form.picks())
        db.session.commit()
    except RegistrationRefused as refused:
        db.session.rollback()
        shown_at_field = form.add_error(refused.field, refused.message)
        return _render_manage(
            registration,
            token,
            form=form,
            message=None if shown_at_field else refused.message,
            status=409,
        )
    flash("Ihre Workshop-Auswahl ist gespeichert.", "success")
    return redirect(_manage_url(token))


@bp.route("/anmeldung/<token>/abmelden", methods=["GET", "POST"])
def registration_cancel(token: str):
    registration = _registration_for(token)
    if registration.state == RegistrationState.CANCELLED:
        return redirect(_manage_url(token))
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _render_manage(registration, token, mode="cancel")
    was_waiting = registration.state == RegistrationState.WAITING
    try:
        operations.cancel_registration(registration)
        db.session.commit()
    except RegistrationRefused as refused:
        db.session.rollback()
        return _render_manage(registration, token, message=refused.message, status=409)
    flash(
        "Sie haben die Warteliste verlassen."
        if was_waiting
        else "Sie sind abgemeldet. Vielen Dank, dass Sie Ihren Platz freigegeben haben.",
        "success",
    )
    return redirect(_manage_url(token))


@bp.post("/anmeldung/<token>/platz-annehmen")
def registration_accept(token: str):
    registration = _registration_for(token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _render_manage(registration, token, status=400)
    try:
        operations.accept_offer(registration)
        db.session.commit()
    except RegistrationRefused as refused:
        db.session.rollback()
        return _render_manage(registration, token, message=refused.message, status=409)
    flash("Sie haben den Platz angenommen. Wir freuen uns auf Sie!", "success")
    return redirect(_manage_url(token))


@bp.get("/anmeldung/<token>/qr.svg")
def registration_qr(token: str):
    registration = _registration_for(token)
    if registration.state != RegistrationState.CONFIRMED or not _checkin_available():
        abort(404)
    url = url_for(CHECKIN_ENDPOINT, token=token, _external=True)
    svg = segno.make(url, error="m").svg_inline(scale=5, title="QR-Code für den Check-in")
    return Response(svg, content_type="image/svg+xml; charset=utf-8")


@bp.route("/anmeldung/<token>/bestaetigen", methods=["GET", "POST"])
def guest_confirm(token: str):
    registration = _registration_for(token)
    if registration.state != RegistrationState.UNCONFIRMED:
        flash("Ihre E-Mail-Adresse ist bereits bestätigt.", "info")
        return redirect(_manage_url(token))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            operations.confirm_guest(registration)
            db.session.commit()
        except RegistrationRefused as refused:
            db.session.rollback()
            return render_template(
                "events/guest_confirm.html",
                registration=registration,
                form=form,
                message=refused.message,
            ), 409
        flash("Vielen Dank, Ihre E-Mail-Adresse ist bestätigt.", "success")
        return redirect(_manage_url(token))
    return render_template("events/guest_confirm.html", registration=registration, form=form)


# --- my registrations ----------------------------------------------------------------


@bp.get("/meine-anmeldungen")
@member_required
def my_registrations():
    now = utcnow()
    registrations = listing.registrations_of(current_user.member)
    upcoming = [r for r in registrations if r.event.end_dt >= now]
    past = [r for r in reversed(registrations) if r.event.end_dt < now]
    return render_template(
        "events/mine.html",
        upcoming=upcoming,
        past=past,
        tokens={r.id: registration_token(r) for r in registrations},
        state_labels=listing.STATE_LABELS,
        state_badges=listing.STATE_BADGES,
    )
