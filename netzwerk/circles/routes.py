"""Quality circles for members: overview, meetings, answers, minutes, joining, membership.

Who may do what is decided in netzwerk.circles.access; routes check it before they read
anything that only members may see.
"""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from netzwerk.circles import operations, queries
from netzwerk.circles.access import CircleAccess, access_for, require_manage, require_read
from netzwerk.circles.forms import (
    AddMemberForm,
    CircleSettingsForm,
    MeetingForm,
    MinutesForm,
    MinutesSearchForm,
    ScheduleForm,
    SkipMeetingForm,
    SkipPeriodForm,
    describe_schedule,
    occurrence_key,
    parse_occurrence_key,
)
from netzwerk.circles.models import (
    AttendanceAnswer,
    Circle,
    CircleMembership,
    MembershipState,
    Minutes,
)
from netzwerk.circles.operations import CircleRefused
from netzwerk.circles.schedule import Occurrence
from netzwerk.core.templating import datetime_de
from netzwerk.db import db, utcnow
from netzwerk.files.storage import send_stored_file
from netzwerk.members.models import Member

bp = Blueprint("circles", __name__, url_prefix="/qualitaetszirkel")

ANSWERS_IN_URLS = {"ja": AttendanceAnswer.YES, "nein": AttendanceAnswer.NO}
ANSWERS_IN_URLS["vielleicht"] = AttendanceAnswer.MAYBE
RECENT_MINUTES = 5


@bp.before_request
@login_required
def _logged_in():
    """Circles are the network's own business: every page here needs a login."""


@bp.context_processor
def _helpers():
    return {
        "occurrence_key": occurrence_key,
        "describe_schedule": describe_schedule,
        "answer_slugs": {answer: slug for slug, answer in ANSWERS_IN_URLS.items()},
        "AttendanceAnswer": AttendanceAnswer,
    }


def _circle(circle_id: int) -> Circle:
    return db.get_or_404(Circle, circle_id)


def _member() -> Member:
    if current_user.member is None:
        abort(403)
    return current_user.member


def _occurrence(circle: Circle, key: str) -> Occurrence:
    at = parse_occurrence_key(key)
    occurrence = queries.find_occurrence(circle, at) if at else None
    if occurrence is None:
        abort(404)
    return occurrence


def _membership(circle: Circle, membership_id: int) -> CircleMembership:
    membership = db.get_or_404(CircleMembership, membership_id)
    if membership.circle_id != circle.id:
        abort(404)
    return membership


def _minutes(circle: Circle, minutes_id: int) -> Minutes:
    minutes = db.get_or_404(Minutes, minutes_id)
    if minutes.circle_id != circle.id:
        abort(404)
    return minutes


def _refused(refused: CircleRefused, target: str):
    flash(refused.message, "error")
    return redirect(target)


# --- overview and one circle ------------------------------------------------------------


@bp.get("/")
def list_circles():
    rows = queries.circle_rows(current_user.member, utcnow())
    return render_template("circles/list.html", rows=rows)


@bp.get("/<int:circle_id>")
def detail(circle_id: int):
    circle = _circle(circle_id)
    access = access_for(circle)
    now = utcnow()
    if not access.can_read:
        upcoming = queries.next_meeting_by_circle([circle], now)[circle.id]
        return render_template(
            "circles/public.html", circle=circle, access=access, next_meeting=upcoming
        )
    upcoming = queries.upcoming_meetings(circle, now)
    recent, minutes_total = queries.recent_minutes(circle, RECENT_MINUTES)
    return render_template(
        "circles/detail.html",
        circle=circle,
        access=access,
        upcoming=upcoming,
        answers=queries.answers_for(circle, [o.key for o in upcoming], current_user.member),
        recent_minutes=recent,
        minutes_total=minutes_total,
        moderators=queries.moderators_by_circle([circle.id])[circle.id],
        member_count=queries.member_counts([circle.id]).get(circle.id, 0),
        search_form=MinutesSearchForm(formdata=None),
        feed_url=url_for("calendar.circle_feed", circle_id=circle.id, _external=True),
        compose_url=_compose_url(circle, access),
    )


def _compose_url(circle: Circle, access: CircleAccess) -> str | None:
    """Where moderators and coordinators write to the whole circle: its own list."""
    if not access.can_manage or operations.circle_mailing_list(circle) is None:
        return None
    return url_for("circle_messages.list_messages", circle_id=circle.id)


@bp.post("/<int:circle_id>/beitreten")
def join(circle_id: int):
    circle = _circle(circle_id)
    member = _member()
    try:
        membership = operations.join_circle(circle, member)
    except CircleRefused as refused:
        return _refused(refused, url_for(".detail", circle_id=circle.id))
    db.session.commit()
    if membership.state == MembershipState.ACTIVE:
        flash(f"Willkommen im Qualitätszirkel „{circle.name}“!", "success")
    else:
        flash(
            "Ihre Anfrage ist gestellt. Die Moderation entscheidet darüber; Sie erhalten "
            "eine E-Mail.",
            "success",
        )
    return redirect(url_for(".detail", circle_id=circle.id))


@bp.post("/<int:circle_id>/austreten")
def leave(circle_id: int):
    circle = _circle(circle_id)
    member = _member()
    access = access_for(circle)
    try:
        operations.leave_circle(circle, member)
    except CircleRefused as refused:
        return _refused(refused, url_for(".detail", circle_id=circle.id))
    db.session.commit()
    if access.has_requested:
        flash("Ihre Anfrage ist zurückgezogen.", "success")
    else:
        flash(f"Sie sind aus dem Qualitätszirkel „{circle.name}“ ausgetreten.", "success")
    return redirect(url_for(".detail", circle_id=circle.id))


@bp.route("/<int:circle_id>/einstellungen", methods=["GET", "POST"])
def settings(circle_id: int):
    circle = _circle(circle_id)
    require_manage(circle)
    form = CircleSettingsForm(data=CircleSettingsForm.data_of(circle))
    if form.validate_on_submit():
        operations.update_circle_settings(circle, **form.settings())
        db.session.commit()
        flash("Die Angaben zum Zirkel sind gespeichert.", "success")
        return redirect(url_for(".detail", circle_id=circle.id))
    return render_template("circles/settings.html", circle=circle, form=form)


# --- schedule and meetings -----------------------------------------------------------------


@bp.route("/<int:circle_id>/terminplan", methods=["GET", "POST"])
def schedule(circle_id: int):
    circle = _circle(circle_id)
    require_manage(circle)
    form = ScheduleForm(data=ScheduleForm.data_of(circle))
    if form.validate_on_submit():
        operations.set_schedule(
            circle, rule=form.rule, start_dt=form.start_dt, minutes=form.minutes
        )
        db.session.commit()
        flash(f"Der Terminplan ist gespeichert: {describe_schedule(circle)}.", "success")
        return redirect(url_for(".meetings", circle_id=circle.id))
    return render_template("circles/schedule.html", circle=circle, form=form)


@bp.get("/<int:circle_id>/termine")
def meetings(circle_id: int):
    circle = _circle(circle_id)
    require_manage(circle)
    upcoming = queries.upcoming_meetings(circle, utcnow(), limit=12)
    return render_template(
        "circles/meetings.html",
        circle=circle,
        upcoming=upcoming,
        answers=queries.answers_for(circle, [o.key for o in upcoming], None),
    )


@bp.get("/<int:circle_id>/termine/<key>")
def meeting(circle_id: int, key: str):
    circle = _circle(circle_id)
    access = require_read(circle)
    occurrence = _occurrence(circle, key)
    return render_template(
        "circles/meeting.html",
        circle=circle,
        access=access,
        occurrence=occurrence,
        respondents=queries.respondents(circle, occurrence.key),
    )


@bp.route("/<int:circle_id>/termine/neu", methods=["GET", "POST"])
def new_meeting(circle_id: int):
    circle = _circle(circle_id)
    require_manage(circle)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            operations.add_meeting(
                circle,
                start_dt=form.start_dt,
                end_dt=form.end_dt,
                location=form.location.data or "",
                note=form.note.data or "",
            )
        except CircleRefused as refused:
            form[refused.field or "day"].errors.append(refused.message)
        else:
            db.session.commit()
            flash("Das zusätzliche Treffen ist eingetragen.", "success")
            return redirect(url_for(".meetings", circle_id=circle.id))
    return render_template("circles/meeting_form.html", circle=circle, form=form, occurrence=None)


@bp.route("/<int:circle_id>/termine/<key>/verschieben", methods=["GET", "POST"])
def move_meeting(circle_id: int, key: str):
    circle = _circle(circle_id)
    require_manage(circle)
    occurrence = _occurrence(circle, key)
    form = MeetingForm(
        data=MeetingForm.data_for(
            occurrence.start_dt,
            occurrence.end_dt,
            occurrence.meeting.location if occurrence.meeting else "",
            occurrence.note,
        )
    )
    if form.validate_on_submit():
        try:
            operations.move_meeting(
                circle,
                occurrence,
                start_dt=form.start_dt,
                end_dt=form.end_dt,
                location=form.location.data or "",
                note=form.note.data or "",
            )
        except CircleRefused as refused:
            form[refused.field or "day"].errors.append(refused.message)
        else:
            db.session.commit()
            flash(f"Das Treffen findet am {datetime_de(form.start_dt)} statt.", "success")
            return redirect(url_for(".meetings", circle_id=circle.id))
    return render_template(
        "circles/meeting_form.html", circle=circle, form=form, occurrence=occurrence
    )


@bp.route("/<int:circle_id>/termine/<key>/absagen", methods=["GET", "POST"])
def skip_meeting(circle_id: int, key: str):
    circle = _circle(circle_id)
    require_manage(circle)
    occurrence = _occurrence(circle, key)
    form = SkipMeetingForm()
    if form.validate_on_submit():
        try:
            operations.skip_meeting(circle, occurrence, note=form.note.data or "")
        except CircleRefused as refused:
            return _refused(refused, url_for(".meetings", circle_id=circle.id))
        db.session.commit()
        flash(f"Das Treffen am {datetime_de(occurrence.start_dt)} fällt aus.", "success")
        return redirect(url_for(".meetings", circle_id=circle.id))
    return render_template(
        "circles/skip_form.html", circle=circle, form=form, occurrence=occurrence
    )


@bp.route("/<int:circle_id>/termine/zeitraum-absagen", methods=["GET", "POST"])
def skip_period(circle_id: int):
    circle = _circle(circle_id)
    require_manage(circle)
    form = SkipPeriodForm()
    if form.validate_on_submit():
        try:
            skipped = operations.skip_meetings_between(
                circle, form.first_day.data, form.last_day.data, note=form.note.data or ""
            )
        except CircleRefused as refused:
            db.session.rollback()
            form.first_day.errors = [refused.message]
        else:
            db.session.commit()
            days = ", ".join(datetime_de(o.start_dt, "dd.MM.y") for o in skipped)
            flash(f"Diese Treffen fallen aus: {days}.", "success")
            return redirect(url_for(".meetings", circle_id=circle.id))
    return render_template("circles/skip_period_form.html", circle=circle, form=form)


@bp.post("/<int:circle_id>/termine/<key>/wiederherstellen")
def restore_meeting(circle_id: int, key: str):
    circle = _circle(circle_id)
    require_manage(circle)
    occurrence = _occurrence(circle, key)
    try:
        operations.restore_meeting(circle, occurrence)
    except CircleRefused as refused:
        return _refused(refused, url_for(".meetings", circle_id=circle.id))
    db.session.commit()
    flash("Das Treffen findet wieder wie geplant statt.", "success")
    return redirect(url_for(".meetings", circle_id=circle.id))


@bp.post("/<int:circle_id>/termine/<key>/antwort/<answer>")
def answer(circle_id: int, key: str, answer: str):
    if answer not in ANSWERS_IN_URLS:
        abort(404)
    circle = _circle(circle_id)
    access = require_read(circle)
    if not access.is_member:
        abort(403)  # coordinators see the answers but do not answer for a circle
    occurrence = _occurrence(circle, key)
    target = url_for(".detail", circle_id=circle.id) + "#termine"
    try:
        operations.answer_meeting(
            circle, _member(), occurrence, ANSWERS_IN_URLS[answer], now=utcnow()
        )
    except CircleRefused as refused:
        return _refused(refused, target)
    db.session.commit()
    flash(
        f"Ihre Antwort für den {datetime_de(occurrence.start_dt, 'short')} Uhr: "
        f"{ANSWERS_IN_URLS[answer].label}.",
        "success",
    )
    return redirect(target)


# --- members ------------------------------------------------------------------------------


@bp.get("/<int:circle_id>/mitglieder")
def members(circle_id: int):
    circle = _circle(circle_id)
    access = require_read(circle)
    form = AddMemberForm(candidates=queries.candidates(circle)) if access.can_manage else None
    return _members_page(circle, access, form)


def _members_page(circle: Circle, access: CircleAccess, form, status: int = 200):
    return render_template(
        "circles/members.html",
        circle=circle,
        access=access,
        memberships=queries.memberships(circle),
        form=form,
    ), status


@bp.post("/<int:circle_id>/mitglieder")
def add_member(circle_id: int):
    circle = _circle(circle_id)
    access = require_manage(circle)
    form = AddMemberForm(candidates=queries.candidates(circle))
    if form.validate_on_submit():
        member = db.session.get(Member, form.member_id.data)
        try:
            operations.add_member(circle, member)
        except CircleRefused as refused:
            form.member_id.errors.append(refused.message)
        else:
            db.session.commit()
            flash(f"{member.full_name} ist jetzt Mitglied des Zirkels.", "success")
            return redirect(url_for(".members", circle_id=circle.id))
    return _members_page(circle, access, form, 422)


def _membership_action(circle_id: int, membership_id: int, action, message: str):
    circle = _circle(circle_id)
    require_manage(circle)
    membership = _membership(circle, membership_id)
    name = membership.member.full_name
    try:
        action(membership)
    except CircleRefused as refused:
        return _refused(refused, url_for(".members", circle_id=circle.id))
    db.session.commit()
    flash(message.format(name=name), "success")
    return redirect(url_for(".members", circle_id=circle.id))


@bp.post("/<int:circle_id>/mitglieder/<int:membership_id>/annehmen")
def accept_request(circle_id: int, membership_id: int):
    return _membership_action(
        circle_id,
        membership_id,
        lambda m: operations.decide_request(m, accept=True),
        "{name} ist aufgenommen und erhält eine E-Mail.",
    )


@bp.post("/<int:circle_id>/mitglieder/<int:membership_id>/ablehnen")
def decline_request(circle_id: int, membership_id: int):
    return _membership_action(
        circle_id,
        membership_id,
        lambda m: operations.decide_request(m, accept=False),
        "Die Anfrage von {name} ist abgelehnt; {name} erhält eine E-Mail.",
    )


@bp.post("/<int:circle_id>/mitglieder/<int:membership_id>/entfernen")
def remove_member(circle_id: int, membership_id: int):
    return _membership_action(
        circle_id, membership_id, operations.remove_member, "{name} ist nicht mehr Mitglied."
    )


@bp.post("/<int:circle_id>/mitglieder/<int:membership_id>/moderation")
def appoint_moderator(circle_id: int, membership_id: int):
    return _membership_action(
        circle_id, membership_id, operations.appoint_moderator, "{name} moderiert jetzt mit."
    )


@bp.post("/<int:circle_id>/mitglieder/<int:membership_id>/moderation-abgeben")
def step_down_moderator(circle_id: int, membership_id: int):
    return _membership_action(
        circle_id,
        membership_id,
        operations.step_down_moderator,
        "{name} moderiert nicht mehr und bleibt Mitglied.",
    )


# --- minutes --------------------------------------------------------------------------------


@bp.get("/<int:circle_id>/protokolle")
def minutes_list(circle_id: int):
    circle = _circle(circle_id)
    access = require_read(circle)
    form = MinutesSearchForm(request.args)
    form.validate()
    page = queries.search_minutes(circle, form.terms, page=request.args.get("page", 1, type=int))
    return render_template(
        "circles/minutes_list.html", circle=circle, access=access, form=form, page=page
    )


@bp.get("/<int:circle_id>/protokolle/<int:minutes_id>")
def minutes_detail(circle_id: int, minutes_id: int):
    circle = _circle(circle_id)
    access = require_read(circle)
    minutes = _minutes(circle, minutes_id)
    return render_template("circles/minutes.html", circle=circle, access=access, minutes=minutes)


def _minutes_choices(circle: Circle, minutes: Minutes | None) -> list[tuple[datetime, str]]:
    """Meetings that have begun and have no minutes yet (and the one being edited)."""
    taken = queries.minutes_keys(circle)
    choices = [
        (o.key, _meeting_label(o))
        for o in queries.past_meetings(circle, utcnow())
        if o.key not in taken or (minutes is not None and o.key == minutes.occurrence_dt)
    ]
    if minutes is not None and minutes.occurrence_dt not in {at for at, _ in choices}:
        choices.insert(0, (minutes.occurrence_dt, datetime_de(minutes.occurrence_dt)))
    return choices


def _meeting_label(occurrence: Occurrence) -> str:
    label = datetime_de(occurrence.start_dt)
    if occurrence.is_moved:
        label += f" (verschoben vom {datetime_de(occurrence.key, 'short')} Uhr)"
    return label


@bp.route("/<int:circle_id>/protokolle/neu", methods=["GET", "POST"])
def new_minutes(circle_id: int):
    circle = _circle(circle_id)
    require_manage(circle)
    form = MinutesForm(
        occurrences=_minutes_choices(circle, None),
        data={"occurrence": request.args.get("termin", "")},
    )
    return _save_minutes(circle, form, None)


@bp.route("/<int:circle_id>/protokolle/<int:minutes_id>/bearbeiten", methods=["GET", "POST"])
def edit_minutes(circle_id: int, minutes_id: int):
    circle = _circle(circle_id)
    require_manage(circle)
    minutes = _minutes(circle, minutes_id)
    form = MinutesForm(
        occurrences=_minutes_choices(circle, minutes),
        data={
            "occurrence": occurrence_key(minutes.occurrence_dt),
            "text": minutes.text,
            "agreed_actions": minutes.agreed_actions,
        },
    )
    return _save_minutes(circle, form, minutes)


def _save_minutes(circle: Circle, form: MinutesForm, minutes: Minutes | None):
    if form.validate_on_submit():
        try:
            saved = operations.save_minutes(
                circle,
                occurrence_dt=form.occurrence_dt,
                text=form.text.data,
                agreed_actions=form.agreed_actions.data or "",
                uploads=form.uploads,
                author=current_user,
                minutes=minutes,
            )
        except CircleRefused as refused:
            form[refused.field or "attachments"].errors.append(refused.message)
        else:
            db.session.commit()
            flash("Das Protokoll ist gespeichert.", "success")
            return redirect(url_for(".minutes_detail", circle_id=circle.id, minutes_id=saved.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "circles/minutes_form.html", circle=circle, form=form, minutes=minutes
    ), status


@bp.post("/<int:circle_id>/protokolle/<int:minutes_id>/dateien/<int:file_id>/entfernen")
def remove_minutes_file(circle_id: int, minutes_id: int, file_id: int):
    circle = _circle(circle_id)
    require_manage(circle)
    minutes = _minutes(circle, minutes_id)
    target = url_for(".edit_minutes", circle_id=circle.id, minutes_id=minutes.id)
    try:
        operations.remove_minutes_file(minutes, file_id)
    except CircleRefused as refused:
        return _refused(refused, target)
    db.session.commit()
    flash("Die Datei ist entfernt.", "success")
    return redirect(target)


@bp.get("/<int:circle_id>/protokolle/<int:minutes_id>/dateien/<int:file_id>")
def minutes_file(circle_id: int, minutes_id: int, file_id: int):
    circle = _circle(circle_id)
    require_read(circle)
    minutes = _minutes(circle, minutes_id)
    stored = next((f for f in minutes.files if f.id == file_id), None)
    if stored is None:
        abort(404)
    return send_stored_file(stored)
