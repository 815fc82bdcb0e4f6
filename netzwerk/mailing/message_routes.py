"""Coordinator pages for writing to a list: compose, preview, test, send, schedule, results,
and the addresses suspended for bouncing."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.db import db
from netzwerk.files import storage
from netzwerk.files.models import StoredFile
from netzwerk.mailing import bounces, list_mail, messages
from netzwerk.mailing.message_forms import BounceForm, ConfirmForm, MessageForm, ScheduleForm
from netzwerk.mailing.messages import MessageRefused
from netzwerk.mailing.models import (
    EmailSuppression,
    ListMessage,
    ListMessageState,
    MailingList,
    OutboxState,
)
from netzwerk.mailing.recipients import count_recipients

bp = coordinator_blueprint("mailing_messages", __name__, "/verteiler")

MESSAGES_PER_PAGE = 30


def _message_form(**kwargs) -> MessageForm:
    return MessageForm(events=messages.upcoming_events(), **kwargs)


def _go_to(message: ListMessage):
    if message.state in (ListMessageState.SENDING, ListMessageState.SENT):
        return redirect(url_for(".results", message_id=message.id))
    return redirect(url_for(".preview", message_id=message.id))


# --- a list's messages ---------------------------------------------------------------


@bp.get("/<int:list_id>/nachrichten")
def list_messages(list_id: int):
    mailing_list = db.get_or_404(MailingList, list_id)
    page = db.paginate(
        select(ListMessage)
        .where(ListMessage.list_id == mailing_list.id)
        .order_by(
            ListMessage.sent_dt.desc().nulls_first(),
            ListMessage.scheduled_dt,
            ListMessage.id.desc(),
        ),
        per_page=MESSAGES_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "mailing/message_list.html",
        mailing_list=mailing_list,
        page=page,
        counts=messages.delivery_counts(m.id for m in page.items),
    )


@bp.route("/<int:list_id>/nachrichten/neu", methods=["GET", "POST"])
def new_message(list_id: int):
    mailing_list = db.get_or_404(MailingList, list_id)
    form = _message_form()
    if form.validate_on_submit():
        try:
            message = messages.create_draft(mailing_list, author=current_user, **form.fields())
        except storage.UploadRefused as refused:
            db.session.rollback()
            form.attachments.errors = [refused.message]
        else:
            db.session.commit()
            flash("Der Entwurf ist gespeichert. Prüfen Sie die Vorschau.", "success")
            return redirect(url_for(".preview", message_id=message.id))
    return render_template("mailing/message_form.html", form=form, mailing_list=mailing_list)


# --- one message ---------------------------------------------------------------------


@bp.route("/nachrichten/<int:message_id>/bearbeiten", methods=["GET", "POST"])
def edit_message(message_id: int):
    message = db.get_or_404(ListMessage, message_id)
    if message.state not in (ListMessageState.DRAFT, ListMessageState.SCHEDULED):
        flash("Eine versandte Nachricht kann nicht mehr geändert werden.", "error")
        return _go_to(message)
    form = _message_form(data=MessageForm.data_of(message))
    if form.validate_on_submit():
        try:
            messages.update_draft(message, editor=current_user, **form.fields())
        except storage.UploadRefused as refused:
            db.session.rollback()
            form.attachments.errors = [refused.message]
        else:
            db.session.commit()
            flash("Die Änderungen sind gespeichert.", "success")
            return redirect(url_for(".preview", message_id=message.id))
    return render_template(
        "mailing/message_form.html", form=form, mailing_list=message.mailing_list, message=message
    )


@bp.get("/nachrichten/<int:message_id>")
def preview(message_id: int, schedule_form=None):
    message = db.get_or_404(ListMessage, message_id)
    if message.state in (ListMessageState.SENDING, ListMessageState.SENT):
        return _go_to(message)
    sample = list_mail.sample_recipient(message, current_user)
    return render_template(
        "mailing/message_preview.html",
        message=message,
        mailing_list=message.mailing_list,
        sample=sample,
        mail=list_mail.render_for(message, sample),
        recipient_count=count_recipients(message.mailing_list),
        schedule_form=schedule_form or ScheduleForm(formdata=None),
        confirm_form=ConfirmForm(),
    )


@bp.post("/nachrichten/<int:message_id>/test")
def send_test(message_id: int):
    message = db.get_or_404(ListMessage, message_id)
    messages.send_test(message, current_user)
    db.session.commit()
    flash(
        f"Eine Testnachricht geht an {current_user.email}. "
        "Sie kommt an, sobald der Postausgang das nächste Mal versendet.",
        "success",
    )
    return redirect(url_for(".preview", message_id=message.id))


@bp.route("/nachrichten/<int:message_id>/senden", methods=["GET", "POST"])
def send_now(message_id: int):
    message = db.get_or_404(ListMessage, message_id)
    if message.state in (ListMessageState.SENDING, ListMessageState.SENT):
        return _go_to(message)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            copies = messages.send_now(message)
        except MessageRefused as refused:
            db.session.rollback()
            flash(refused.message, "error")
            return _go_to(db.get_or_404(ListMessage, message_id))
        db.session.commit()
        flash(f"„{message.subject}“ geht an {copies} Empfängerinnen und Empfänger.", "success")
        return redirect(url_for(".results", message_id=message.id))
    return render_template(
        "mailing/message_send.html",
        message=message,
        mailing_list=message.mailing_list,
        recipient_count=count_recipients(message.mailing_list),
        form=form,
    )


@bp.post("/nachrichten/<int:message_id>/planen")
def schedule(message_id: int):
    message = db.get_or_404(ListMessage, message_id)
    if message.state not in (ListMessageState.DRAFT, ListMessageState.SCHEDULED):
        return _go_to(message)
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            messages.schedule(message, form.when())
        except MessageRefused as refused:
            db.session.rollback()
            form.day.errors = [refused.message]
        else:
            db.session.commit()
            flash("Der Versand ist geplant.", "success")
            return redirect(url_for(".preview", message_id=message.id))
    return preview(message_id, schedule_form=form), 422


@bp.post("/nachrichten/<int:message_id>/planung-aufheben")
def unschedule(message_id: int):
    message = db.get_or_404(ListMessage, message_id)
    try:
        messages.unschedule(message)
    except MessageRefused as refused:
        flash(refused.message, "error")
        return _go_to(message)
    db.session.commit()
    flash("Die Planung ist aufgehoben; die Nachricht ist wieder ein Entwurf.", "success")
    return redirect(url_for(".preview", message_id=message.id))


@bp.post("/nachrichten/<int:message_id>/loeschen")
def delete_message(message_id: int):
    message = db.get_or_404(ListMessage, message_id)
    list_id = message.list_id
    try:
        messages.delete_draft(message)
    except MessageRefused as refused:
        flash(refused.message, "error")
        return _go_to(message)
    db.session.commit()
    flash("Der Entwurf ist gelöscht.", "success")
    return redirect(url_for(".list_messages", list_id=list_id))


def _file_of(message: ListMessage, file_id: int) -> StoredFile:
    stored = db.get_or_404(StoredFile, file_id)
    if stored not in message.files:
        abort(404)
    return stored


@bp.get("/nachrichten/<int:message_id>/anhaenge/<int:file_id>")
def attachment(message_id: int, file_id: int):
    message = db.get_or_404(ListMessage, message_id)
    return storage.send_stored_file(_file_of(message, file_id))


@bp.post("/nachrichten/<int:message_id>/anhaenge/<int:file_id>/entfernen")
def remove_attachment(message_id: int, file_id: int):
    message = db.get_or_404(ListMessage, message_id)
    stored = _file_of(message, file_id)
    name = stored.filename
    try:
        messages.remove_attachment(message, stored)
    except MessageRefused as refused:
        flash(refused.message, "error")
        return _go_to(message)
    db.session.commit()
    flash(f"„{name}“ ist entfernt.", "success")
    return redirect(url_for(".edit_message", message_id=message.id))


# --- results and bounces ---------------------------------------------------------------


@bp.get("/nachrichten/<int:message_id>/ergebnis")
def results(message_id: int, bounce_form=None):
    message = db.get_or_404(ListMessage, message_id)
    if message.state in (ListMessageState.DRAFT, ListMessageState.SCHEDULED):
        return _go_to(message)
    counts = messages.delivery_counts([message.id])[message.id]
    return render_template(
        "mailing/message_results.html",
        message=message,
        mailing_list=message.mailing_list,
        counts=counts,
        waiting=counts[OutboxState.QUEUED] + counts[OutboxState.SENDING],
        failed=messages.failed_deliveries(message),
        bounce_form=bounce_form or BounceForm(formdata=None),
        threshold=bounces.bounce_threshold(),
    )


@bp.post("/nachrichten/<int:message_id>/erneut-senden")
def retry_failed(message_id: int):
    message = db.get_or_404(ListMessage, message_id)
    queued = messages.retry_failed(message)
    db.session.commit()
    if queued:
        flash(f"{queued} fehlgeschlagene Nachrichten werden erneut versendet.", "success")
    else:
        flash("Es gibt keine fehlgeschlagenen Nachrichten, die erneut versendet werden können.")
    return redirect(url_for(".results", message_id=message.id))


@bp.post("/nachrichten/<int:message_id>/unzustellbar")
def mark_bouncing(message_id: int):
    message = db.get_or_404(ListMessage, message_id)
    form = BounceForm()
    if not form.validate_on_submit():
        return results(message_id, bounce_form=form), 422
    suppression = bounces.mark_bouncing(
        form.email.data, form.reason.data or "", suspend_now=form.suspend_now.data
    )
    db.session.commit()
    if suppression.suspended_dt:
        flash(f"{suppression.email} erhält keine Verteiler-Mails mehr.", "success")
    else:
        flash(
            f"Rückläufer für {suppression.email} gezählt ({suppression.bounce_count} von "
            f"{bounces.bounce_threshold()} bis zur Sperre).",
            "success",
        )
    return redirect(url_for(".results", message_id=message.id))


@bp.get("/unzustellbar")
def suppressions():
    page = db.paginate(
        select(EmailSuppression).order_by(
            EmailSuppression.suspended_dt.desc().nulls_last(), EmailSuppression.email
        ),
        per_page=100,
        error_out=False,
    )
    return render_template(
        "mailing/message_suppressions.html",
        page=page,
        threshold=bounces.bounce_threshold(),
    )


@bp.post("/unzustellbar/<int:suppression_id>/aufheben")
def lift_suspension(suppression_id: int):
    suppression = db.get_or_404(EmailSuppression, suppression_id)
    bounces.lift_suspension(suppression)
    db.session.commit()
    flash(f"{suppression.email} erhält wieder Verteiler-Mails.", "success")
    return redirect(url_for(".suppressions"))
