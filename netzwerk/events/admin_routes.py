"""Coordinator pages: create, edit, copy, publish and cancel events and their workshops."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.calendar.tokens import renew_calendar_token
from netzwerk.db import db, utcnow
from netzwerk.events import admin_operations, queries
from netzwerk.events.admin_operations import EditConflict, EventActionRefused
from netzwerk.events.forms import (
    CancelEventForm,
    CopyEventForm,
    EventForm,
    ParticipantFilterForm,
    WorkshopForm,
    participant_add_form,
)
from netzwerk.events.models import Event, EventState, Registration, RegistrationState, Workshop
from netzwerk.events.operations import Applicant
from netzwerk.events.rules import RegistrationRefused
from netzwerk.members.models import Member, ProfessionalGroup
from netzwerk.topics.queries import topics_for_workshops

bp = coordinator_blueprint("events_admin", __name__, "/veranstaltungen")
# The pages here show coordinators' Markdown; make sure the filter exists app-wide.

PAST_PER_PAGE = 30


def _groups():
    return (
        db.session.execute(
            select(ProfessionalGroup).order_by(ProfessionalGroup.position, ProfessionalGroup.name)
        )
        .scalars()
        .all()
    )


def _event_form(**kwargs) -> EventForm:
    return EventForm(groups=_groups(), **kwargs)


def _workshop(event_id: int, workshop_id: int) -> Workshop:
    workshop = db.get_or_404(Workshop, workshop_id)
    if workshop.event_id != event_id:
        abort(404)
    return workshop


def _registration(event_id: int, registration_id: int) -> Registration:
    registration = db.get_or_404(Registration, registration_id)
    if registration.event_id != event_id:
        abort(404)
    return registration


# --- the planning calendar ------------------------------------------------------------


@bp.get("/kalender")
def planning_calendar():
    token = current_user.calendar_token
    url = url_for("calendar.planning_feed", token=token, _external=True) if token else None
    response = make_response(render_template("events/admin_calendar.html", planning_url=url))
    # The page shows a secret address: keep it out of caches and Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/kalender/neue-adresse")
def renew_planning_calendar():
    had_token = current_user.calendar_token is not None
    renew_calendar_token(current_user)
    db.session.commit()
    flash(
        "Die neue Kalenderadresse ist erzeugt; die bisherige gilt nicht mehr."
        if had_token
        else "Die Adresse Ihres Planungskalenders ist erzeugt.",
        "success",
    )
    return redirect(url_for("events_admin.planning_calendar"))


# --- events -------------------------------------------------------------------------


@bp.get("/")
def list_events():
    past = request.args.get("zeit") == "vergangen"
    now = utcnow()
    if past:
        query = select(Event).where(Event.end_dt < now).order_by(Event.start_dt.desc())
    else:
        query = select(Event).where(Event.end_dt >= now).order_by(Event.start_dt)
    page = db.paginate(query, per_page=PAST_PER_PAGE if past else 200, error_out=False)
    ids = [event.id for event in page.items]
    return render_template(
        "events/admin_list.html",
        page=page,
        past=past,
        counts=queries.counts_by_event(ids),
        attended=queries.attended_counts(ids) if past else {},
    )


@bp.route("/neu", methods=["GET", "POST"])
def new_event():
    form = _event_form(data=EventForm.data_for_new())
    if form.validate_on_submit():
        event = admin_operations.create_event(**form.event_fields())
        db.session.commit()
        flash(f"„{event.title}“ ist als Entwurf angelegt.", "success")
        return redirect(url_for(".event_detail", event_id=event.id))
    return render_template("events/admin_form.html", form=form)


@bp.get("/<int:event_id>")
def event_detail(event_id: int):
    event = db.get_or_404(Event, event_id)
    return render_template(
        "events/admin_detail.html",
        event=event,
        counts=queries.counts_by_event([event.id])[event.id],
        seats=queries.workshop_counts(event),
        copy_form=CopyEventForm(formdata=None),
        origins=topics_for_workshops(w.id for w in event.workshops),
    )


@bp.route("/<int:event_id>/bearbeiten", methods=["GET", "POST"])
def edit_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = _event_form(data=EventForm.data_of(event))
    if form.validate_on_submit():
        sequence = event.ical_sequence
        try:
            admin_operations.update_event(event, _version(form.version.data), **form.event_fields())
            db.session.commit()
        except (EditConflict, StaleDataError):
            db.session.rollback()
            return render_template(
                "events/admin_form.html", form=form, event=event, conflict=True
            ), 409
        flash("Die Änderungen sind gespeichert.", "success")
        if event.state == EventState.PUBLISHED and event.ical_sequence > sequence:
            flash(
                "Zeit oder Ort haben sich geändert: Alle Angemeldeten und Wartenden erhalten "
                "eine E-Mail mit dem aktualisierten Kalendereintrag.",
                "info",
            )
        return redirect(url_for(".event_detail", event_id=event.id))
    return render_template("events/admin_form.html", form=form, event=event)


def _version(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.post("/<int:event_id>/veroeffentlichen")
def publish_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    try:
        admin_operations.publish_event(event)
    except EventActionRefused as refused:
        flash(refused.message, "error")
        return redirect(url_for(".event_detail", event_id=event.id))
    db.session.commit()
    flash(f"„{event.title}“ ist veröffentlicht.", "success")
    return redirect(url_for(".event_detail", event_id=event.id))


@bp.route("/<int:event_id>/absagen", methods=["GET", "POST"])
def cancel_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    if event.state == EventState.CANCELLED:
        flash("Diese Veranstaltung ist bereits abgesagt.", "info")
        return redirect(url_for(".event_detail", event_id=event.id))
    form = CancelEventForm()
    if form.validate_on_submit():
        notified = admin_operations.cancel_event(event, message=form.message.data or "")
        db.session.commit()
        flash(
            f"„{event.title}“ ist abgesagt. {_people(len(notified))} erhalten eine Absage "
            "per E-Mail.",
            "success",
        )
        return redirect(url_for(".event_detail", event_id=event.id))
    counts = queries.counts_by_event([event.id])[event.id]
    return render_template("events/admin_cancel.html", event=event, form=form, counts=counts)


def _people(n: int) -> str:
    return "Eine Person" if n == 1 else f"{n} Personen"


@bp.post("/<int:event_id>/kopieren")
def copy_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = CopyEventForm()
    if not form.validate_on_submit():
        return render_template(
            "events/admin_detail.html",
            event=event,
            counts=queries.counts_by_event([event.id])[event.id],
            seats=queries.workshop_counts(event),
            copy_form=form,
        ), 422
    copy = admin_operations.copy_event(event, form.weeks.data)
    db.session.commit()
    flash(
        f"Die Kopie „{copy.title}“ ist als Entwurf angelegt. Bitte prüfen Sie Termine und Texte.",
        "success",
    )
    return redirect(url_for(".event_detail", event_id=copy.id))


@bp.post("/<int:event_id>/loeschen")
def delete_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    title = event.title
    try:
        admin_operations.delete_event(event)
    except EventActionRefused as refused:
        flash(refused.message, "error")
        return redirect(url_for(".event_detail", event_id=event.id))
    db.session.commit()
    flash(f"Der Entwurf „{title}“ ist gelöscht.", "success")
    return redirect(url_for(".list_events"))


# --- workshops ----------------------------------------------------------------------


@bp.route("/<int:event_id>/foren/neu", methods=["GET", "POST"])
def new_workshop(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = WorkshopForm()
    if form.validate_on_submit():
        workshop = admin_operations.create_workshop(event, **form.workshop_fields(event))
        db.session.commit()
        flash(f"Das Forum „{workshop.title}“ ist angelegt.", "success")
        return redirect(url_for(".event_detail", event_id=event.id, _anchor="foren"))
    return render_template("events/workshop_form.html", form=form, event=event)


@bp.route("/<int:event_id>/foren/<int:workshop_id>/bearbeiten", methods=["GET", "POST"])
def edit_workshop(event_id: int, workshop_id: int):
    workshop = _workshop(event_id, workshop_id)
    form = WorkshopForm(data=WorkshopForm.data_of(workshop))
    if form.validate_on_submit():
        sequence = workshop.ical_sequence
        admin_operations.update_workshop(workshop, **form.workshop_fields(workshop.event))
        db.session.commit()
        flash("Die Änderungen am Forum sind gespeichert.", "success")
        if workshop.event.state == EventState.PUBLISHED and workshop.ical_sequence > sequence:
            flash(
                "Zeit oder Raum haben sich geändert: Alle Teilnehmenden des Forums erhalten "
                "eine E-Mail mit dem aktualisierten Kalendereintrag.",
                "info",
            )
        return redirect(url_for(".event_detail", event_id=event_id, _anchor="foren"))
    return render_template(
        "events/workshop_form.html", form=form, event=workshop.event, workshop=workshop
    )


@bp.post("/<int:event_id>/foren/<int:workshop_id>/loeschen")
def delete_workshop(event_id: int, workshop_id: int):
    workshop = _workshop(event_id, workshop_id)
    title = workshop.title
    try:
        admin_operations.delete_workshop(workshop)
    except EventActionRefused as refused:
        flash(refused.message, "error")
        return redirect(url_for(".event_detail", event_id=event_id, _anchor="foren"))
    db.session.commit()
    flash(f"Das Forum „{title}“ ist gelöscht.", "success")
    return redirect(url_for(".event_detail", event_id=event_id, _anchor="foren"))


# --- registrations ------------------------------------------------------------------


def _add_form(event: Event):
    members = (
        db.session.execute(
            select(Member)
            .where(Member.is_active)
            .order_by(Member.last_name, Member.first_name, Member.id)
        )
        .scalars()
        .all()
    )
    return participant_add_form(event, members=members, groups=_groups())


def _participants_page(event: Event, add_form, status: int = 200):
    filters = ParticipantFilterForm(request.args)
    registrations = queries.registrations_for(event, filters.search_terms, filters.state)
    return render_template(
        "events/admin_participants.html",
        event=event,
        registrations=registrations,
        filters=filters,
        add_form=add_form,
        counts=queries.counts_by_event([event.id])[event.id],
        attended=queries.attended_counts([event.id])[event.id],
        seats=queries.workshop_counts(event),
        by_group=queries.group_counts(event),
        waiting_positions=queries.waiting_positions(event),
        groups=_groups(),
        workshops={w.id: w for w in event.workshops},
    ), status


@bp.get("/<int:event_id>/anmeldungen")
def participants(event_id: int):
    event = db.get_or_404(Event, event_id)
    return _participants_page(event, _add_form(event))


@bp.post("/<int:event_id>/anmeldungen/neu")
def add_participant(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = _add_form(event)
    if not form.validate_on_submit():
        return _participants_page(event, form, 422)
    applicant = _applicant(form)
    try:
        registration = admin_operations.add_registration_by_office(
            event.id, applicant, form.picks(), override=form.override.data
        )
    except RegistrationRefused as refused:
        db.session.rollback()
        form.add_refusal(refused)
        return _participants_page(db.get_or_404(Event, event_id), form, 422)
    db.session.commit()
    where = {
        RegistrationState.CONFIRMED: "ist angemeldet und bestätigt",
        RegistrationState.WAITING: "steht auf der Warteliste, weil die Veranstaltung voll ist",
    }.get(registration.state, "ist eingetragen")
    flash(f"{registration.first_name} {registration.last_name} {where}.", "success")
    return redirect(url_for(".participants", event_id=event.id))


def _applicant(form) -> Applicant:
    member = form.chosen_member
    if member is None and form.email.data:
        member = db.session.execute(
            select(Member).where(Member.email == form.email.data.strip().lower())
        ).scalar_one_or_none()
    if member is not None:
        return Applicant.from_member(member)
    return Applicant(
        email=form.email.data,
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        group_id=form.group.data,
        employer_name=form.employer_name.data or "",
        school_name=form.school_name.data or "",
    )


def _registration_action(event_id: int, registration_id: int, verb, done: str):
    registration = _registration(event_id, registration_id)
    name = f"{registration.first_name} {registration.last_name}"
    try:
        verb(registration)
    except (EventActionRefused, RegistrationRefused) as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for(".participants", event_id=event_id))
    db.session.commit()
    flash(f"{name} {done}.", "success")
    return redirect(url_for(".participants", event_id=event_id))


@bp.post("/<int:event_id>/anmeldungen/<int:registration_id>/abmelden")
def cancel_participant(event_id: int, registration_id: int):
    return _registration_action(
        event_id, registration_id, admin_operations.cancel_by_office, "ist abgemeldet"
    )


@bp.post("/<int:event_id>/anmeldungen/<int:registration_id>/bestaetigen")
def confirm_participant(event_id: int, registration_id: int):
    return _registration_action(
        event_id, registration_id, admin_operations.confirm_by_office, "hat jetzt einen Platz"
    )


@bp.post("/<int:event_id>/anmeldungen/<int:registration_id>/warteliste")
def waitlist_participant(event_id: int, registration_id: int):
    return _registration_action(
        event_id,
        registration_id,
        admin_operations.move_to_waitlist,
        "steht jetzt am Ende der Warteliste",
    )
