"""Coordinator pages for mailing lists: settings, segments, subscribers."""

from flask import Response, flash, redirect, render_template, request, url_for

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.accounts.operations import normalise_email
from netzwerk.db import db
from netzwerk.mailing import list_queries as queries
from netzwerk.mailing import lists
from netzwerk.mailing.forms import (
    LEGAL_BASIS_LABELS,
    LEGAL_BASIS_SHORT,
    VISIBILITY_SHORT,
    AddressForm,
    AddSubscriberForm,
    ListForm,
    SegmentForm,
)
from netzwerk.mailing.models import ListSegment, MailingList, Subscription
from netzwerk.mailing.recipients import count_recipients_by_list
from netzwerk.mailing.tokens import unsubscribe_address

bp = coordinator_blueprint("mailing_admin", __name__, "/verteiler")

SUBSCRIBERS_PER_PAGE = 100


@bp.get("/")
def list_lists():
    return render_template(
        "mailing/admin_lists.html",
        rows=queries.list_overview(),
        legal_labels=LEGAL_BASIS_SHORT,
        visibility_labels=VISIBILITY_SHORT,
    )


def _apply_error(form: ListForm, error: lists.ListError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        flash(error.message, "error")
    else:
        field.errors = [*field.errors, error.message]


@bp.route("/neu", methods=["GET", "POST"])
def new_list():
    form = ListForm()
    if form.validate_on_submit():
        try:
            mailing_list = lists.create_list(form.settings())
        except lists.ListError as exc:
            _apply_error(form, exc)
        else:
            db.session.commit()
            flash(f"Der Verteiler „{mailing_list.name}“ ist angelegt.", "success")
            return redirect(url_for(".list_detail", list_id=mailing_list.id))
    return render_template("mailing/admin_list_form.html", form=form, mailing_list=None)


@bp.route("/<int:list_id>/bearbeiten", methods=["GET", "POST"])
def edit_list(list_id: int):
    mailing_list = db.get_or_404(MailingList, list_id)
    form = ListForm(obj=mailing_list)
    if form.validate_on_submit():
        try:
            lists.update_list(mailing_list, form.settings())
        except lists.ListError as exc:
            _apply_error(form, exc)
        else:
            db.session.commit()
            flash("Die Änderungen sind gespeichert.", "success")
            return redirect(url_for(".list_detail", list_id=mailing_list.id))
    return render_template("mailing/admin_list_form.html", form=form, mailing_list=mailing_list)


def _segment_form(choices: queries.SegmentChoices, **kwargs) -> SegmentForm:
    return SegmentForm(
        groups=choices.groups, districts=choices.districts, circles=choices.circles, **kwargs
    )


def _render_detail(mailing_list: MailingList, segment_form: SegmentForm, choices, preview=None):
    segments = mailing_list.segments
    return render_template(
        "mailing/admin_list.html",
        mailing_list=mailing_list,
        segments=list(zip(segments, queries.count_matching(segments), strict=True)),
        describe=choices.describe,
        segment_form=segment_form,
        preview=preview,
        recipients=count_recipients_by_list([mailing_list])[mailing_list.id],
        subscriptions=queries.subscription_counts([mailing_list.id])[mailing_list.id],
        opt_outs=queries.opt_out_count(mailing_list.id),
        legal_labels=LEGAL_BASIS_LABELS,
        visibility_labels=VISIBILITY_SHORT,
    )


@bp.get("/<int:list_id>")
def list_detail(list_id: int):
    mailing_list = queries.list_with_segments(list_id)
    choices = queries.segment_choices()
    preview = None
    if "vorschau" in request.args:
        # The editor's "Anzahl prüfen" button submits the rule by GET: nothing is saved.
        form = _segment_form(choices, formdata=request.args, meta={"csrf": False})
        if form.validate():
            rule = form.rule()
            preview = (choices.describe(rule), queries.count_matching([rule.as_segment()])[0])
    else:
        form = _segment_form(choices)
    return _render_detail(mailing_list, form, choices, preview)


@bp.post("/<int:list_id>/segmente")
def add_segment(list_id: int):
    mailing_list = queries.list_with_segments(list_id)
    choices = queries.segment_choices()
    form = _segment_form(choices)
    if not form.validate_on_submit():
        return _render_detail(mailing_list, form, choices)
    try:
        segment = lists.add_segment(mailing_list, form.rule())
    except lists.ListError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".list_detail", list_id=list_id))
    db.session.commit()
    flash(f"Die Regel „{choices.describe(segment)}“ gehört jetzt zum Verteiler.", "success")
    return redirect(url_for(".list_detail", list_id=list_id, _anchor="segmente"))


@bp.post("/<int:list_id>/segmente/<int:segment_id>/entfernen")
def remove_segment(list_id: int, segment_id: int):
    segment = db.get_or_404(ListSegment, segment_id)
    if segment.list_id != list_id:
        return redirect(url_for(".list_detail", list_id=list_id))
    description = queries.segment_choices().describe(segment)
    lists.remove_segment(segment)
    db.session.commit()
    flash(f"Die Regel „{description}“ ist entfernt.", "success")
    return redirect(url_for(".list_detail", list_id=list_id, _anchor="segmente"))


# --- subscribers -------------------------------------------------------------------


def _render_subscribers(mailing_list, add_form=None, address_form=None):
    page = queries.subscribers_page(
        mailing_list.id, request.args.get("page", 1, type=int), SUBSCRIBERS_PER_PAGE
    )
    return render_template(
        "mailing/admin_subscribers.html",
        mailing_list=mailing_list,
        page=page,
        opt_outs=queries.opt_outs(mailing_list.id),
        add_form=add_form or AddSubscriberForm(prefix="neu"),
        address_form=address_form or AddressForm(prefix="austragen"),
        state_labels=lists.STATE_LABELS,
        days=lists.confirm_days(),
        unsubscribe_address=unsubscribe_address(),
    )


@bp.get("/<int:list_id>/abonnenten")
def subscribers(list_id: int):
    return _render_subscribers(db.get_or_404(MailingList, list_id))


@bp.post("/<int:list_id>/abonnenten")
def add_subscriber(list_id: int):
    mailing_list = db.get_or_404(MailingList, list_id)
    form = AddSubscriberForm(prefix="neu")
    if not form.validate_on_submit():
        return _render_subscribers(mailing_list, add_form=form)
    email = normalise_email(form.email.data)
    outcome = lists.add_subscriber(mailing_list, email, form.name.data or "")
    db.session.commit()
    messages = {
        lists.AddOutcome.ADDED: f"{email} erhält jetzt den Verteiler.",
        lists.AddOutcome.INVITED: (
            f"{email} hat eine Einladung erhalten. Erst wenn die Person bestätigt, "
            "erhält sie den Verteiler."
        ),
        lists.AddOutcome.ALREADY: f"{email} erhält den Verteiler bereits; nichts geändert.",
    }
    flash(messages[outcome], "info" if outcome == lists.AddOutcome.ALREADY else "success")
    return redirect(url_for(".subscribers", list_id=list_id))


@bp.post("/<int:list_id>/abonnenten/<int:subscription_id>/entfernen")
def remove_subscriber(list_id: int, subscription_id: int):
    subscription = db.get_or_404(Subscription, subscription_id)
    if subscription.list_id != list_id:
        return redirect(url_for(".subscribers", list_id=list_id))
    email = subscription.email
    lists.remove_subscriber(subscription)
    db.session.commit()
    flash(f"{email} ist aus dem Verteiler entfernt.", "success")
    return redirect(url_for(".subscribers", list_id=list_id))


@bp.post("/<int:list_id>/austragen")
def office_unsubscribe(list_id: int):
    mailing_list = db.get_or_404(MailingList, list_id)
    form = AddressForm(prefix="austragen")
    if not form.validate_on_submit():
        return _render_subscribers(mailing_list, address_form=form)
    email = normalise_email(form.email.data)
    lists.unsubscribe_by_office(mailing_list, email)
    db.session.commit()
    flash(
        f"{email} erhält den Verteiler nicht mehr, auch nicht über Segmente.",
        "success",
    )
    return redirect(url_for(".subscribers", list_id=list_id))


@bp.get("/<int:list_id>/abonnenten.csv")
def export_subscribers(list_id: int):
    mailing_list = db.get_or_404(MailingList, list_id)
    export = lists.export_subscribers(mailing_list)
    db.session.commit()  # the audit entry
    response = Response(export.content.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return response
