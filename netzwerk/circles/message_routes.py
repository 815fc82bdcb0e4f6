"""Moderators write to their circle through its own mailing list.

The office's list pages live under /verwaltung; these pages give a circle's moderators
(and coordinators) the same compose, preview, test and send steps for that one list, so
their mail carries the unsubscribe headers, respects opt-outs and lands in the outbox.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from netzwerk.circles import operations
from netzwerk.circles.access import require_manage
from netzwerk.circles.models import Circle
from netzwerk.db import db
from netzwerk.files import storage
from netzwerk.files.models import StoredFile
from netzwerk.mailing import list_mail, messages
from netzwerk.mailing.message_forms import ConfirmForm, MessageForm
from netzwerk.mailing.messages import MessageRefused
from netzwerk.mailing.models import ListMessage, ListMessageState, MailingList
from netzwerk.mailing.recipients import count_recipients

bp = Blueprint("circle_messages", __name__, url_prefix="/qualitaetszirkel")

RECENT_MESSAGES = 30


@bp.before_request
@login_required
def _logged_in():
    return None


def _circle_list(circle_id: int) -> tuple[Circle, MailingList]:
    circle = db.get_or_404(Circle, circle_id)
    require_manage(circle)
    mailing_list = operations.circle_mailing_list(circle)
    if mailing_list is None:
        abort(404)
    return circle, mailing_list


def _message(circle_id: int, message_id: int) -> tuple[Circle, ListMessage]:
    circle, mailing_list = _circle_list(circle_id)
    message = db.get_or_404(ListMessage, message_id)
    if message.list_id != mailing_list.id:
        abort(404)
    return circle, message


def _form(**kwargs) -> MessageForm:
    return MessageForm(events=messages.upcoming_events(), **kwargs)


def _go_to(circle: Circle, message: ListMessage):
    if message.state in (ListMessageState.DRAFT, ListMessageState.SCHEDULED):
        return redirect(url_for(".preview", circle_id=circle.id, message_id=message.id))
    return redirect(url_for(".list_messages", circle_id=circle.id))


@bp.get("/<int:circle_id>/nachrichten")
def list_messages(circle_id: int):
    circle, mailing_list = _circle_list(circle_id)
    recent = list(
        db.session.execute(
            select(ListMessage)
            .where(ListMessage.list_id == mailing_list.id)
            .order_by(ListMessage.sent_dt.desc().nulls_first(), ListMessage.id.desc())
            .limit(RECENT_MESSAGES)
        ).scalars()
    )
    return render_template(
        "circles/messages.html",
        circle=circle,
        mailing_list=mailing_list,
        messages=recent,
        counts=messages.delivery_counts(m.id for m in recent),
        recipient_count=count_recipients(mailing_list),
    )


@bp.route("/<int:circle_id>/nachrichten/neu", methods=["GET", "POST"])
def new_message(circle_id: int):
    circle, mailing_list = _circle_list(circle_id)
    form = _form()
    if form.validate_on_submit():
        try:
            message = messages.create_draft(mailing_list, author=current_user, **form.fields())
        except storage.UploadRefused as refused:
            db.session.rollback()
            form.attachments.errors = [refused.message]
        else:
            db.session.commit()
            flash("Der Entwurf ist gespeichert. Prüfen Sie die Vorschau.", "success")
            return redirect(url_for(".preview", circle_id=circle.id, message_id=message.id))
    return render_template("circles/message_form.html", circle=circle, form=form, message=None)


@bp.route("/<int:circle_id>/nachrichten/<int:message_id>/bearbeiten", methods=["GET", "POST"])
def edit_message(circle_id: int, message_id: int):
    circle, message = _message(circle_id, message_id)
    if message.state not in (ListMessageState.DRAFT, ListMessageState.SCHEDULED):
        flash("Eine versandte Nachricht kann nicht mehr geändert werden.", "error")
        return _go_to(circle, message)
    form = _form(data=MessageForm.data_of(message))
    if form.validate_on_submit():
        try:
            messages.update_draft(message, editor=current_user, **form.fields())
        except storage.UploadRefused as refused:
            db.session.rollback()
            form.attachments.errors = [refused.message]
        else:
            db.session.commit()
            flash("Die Änderungen sind gespeichert.", "success")
            return redirect(url_for(".preview", circle_id=circle.id, message_id=message.id))
    return render_template("circles/message_form.html", circle=circle, form=form, message=message)


@bp.get("/<int:circle_id>/nachrichten/<int:message_id>")
def preview(circle_id: int, message_id: int):
    circle, message = _message(circle_id, message_id)
    if message.state not in (ListMessageState.DRAFT, ListMessageState.SCHEDULED):
        return _go_to(circle, message)
    sample = list_mail.sample_recipient(message, current_user)
    return render_template(
        "circles/message_preview.html",
        circle=circle,
        message=message,
        sample=sample,
        mail=list_mail.render_for(message, sample),
        recipient_count=count_recipients(message.mailing_list),
        confirm_form=ConfirmForm(),
    )


@bp.post("/<int:circle_id>/nachrichten/<int:message_id>/test")
def send_test(circle_id: int, message_id: int):
    circle, message = _message(circle_id, message_id)
    messages.send_test(message, current_user)
    db.session.commit()
    flash(f"Eine Testnachricht geht an {current_user.email}.", "success")
    return redirect(url_for(".preview", circle_id=circle.id, message_id=message.id))


@bp.post("/<int:circle_id>/nachrichten/<int:message_id>/senden")
def send_now(circle_id: int, message_id: int):
    circle, message = _message(circle_id, message_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        copies = messages.send_now(message)
    except MessageRefused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return _go_to(circle, db.get_or_404(ListMessage, message_id))
    db.session.commit()
    flash(f"„{message.subject}“ geht an {copies} Mitglieder des Zirkels.", "success")
    return redirect(url_for(".list_messages", circle_id=circle.id))


@bp.post("/<int:circle_id>/nachrichten/<int:message_id>/loeschen")
def delete_message(circle_id: int, message_id: int):
    circle, message = _message(circle_id, message_id)
    try:
        messages.delete_draft(message)
    except MessageRefused as refused:
        flash(refused.message, "error")
        return _go_to(circle, message)
    db.session.commit()
    flash("Der Entwurf ist gelöscht.", "success")
    return redirect(url_for(".list_messages", circle_id=circle.id))


def _file_of(message: ListMessage, file_id: int) -> StoredFile:
    stored = db.get_or_404(StoredFile, file_id)
    if stored not in message.files:
        abort(404)
    return stored


@bp.get("/<int:circle_id>/nachrichten/<int:message_id>/anhaenge/<int:file_id>")
def attachment(circle_id: int, message_id: int, file_id: int):
    _, message = _message(circle_id, message_id)
    return storage.send_stored_file(_file_of(message, file_id))


@bp.post("/<int:circle_id>/nachrichten/<int:message_id>/anhaenge/<int:file_id>/entfernen")
def remove_attachment(circle_id: int, message_id: int, file_id: int):
    circle, message = _message(circle_id, message_id)
    stored = _file_of(message, file_id)
    name = stored.filename
    try:
        messages.remove_attachment(message, stored)
    except MessageRefused as refused:
        flash(refused.message, "error")
        return _go_to(circle, message)
    db.session.commit()
    flash(f"„{name}“ ist entfernt.", "success")
    return redirect(url_for(".edit_message", circle_id=circle.id, message_id=message.id))
