"""Public and member pages of mailing lists: subscribe, confirm, unsubscribe, own lists."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from netzwerk.accounts.access import member_required
from netzwerk.core.tokens import InvalidToken
from netzwerk.db import db
from netzwerk.extensions import csrf
from netzwerk.mailing import lists
from netzwerk.mailing.forms import ButtonForm, SubscribeForm
from netzwerk.mailing.list_queries import list_by_slug, lists_for_member
from netzwerk.mailing.models import ListVisibility, MailingList, SubscriptionState
from netzwerk.mailing.tokens import read_unsubscribe_token

bp = Blueprint("mailing", __name__)


def _archive_available() -> bool:
    # The archive pages live on their own blueprint (archive_routes.py).
    return "mailing_archive.archive" in current_app.view_functions


def consent_text(mailing_list: MailingList) -> str:
    """The statement next to the consent box; its wording is the list's purpose."""
    return (
        mailing_list.purpose or f"Ich möchte E-Mails des Verteilers „{mailing_list.name}“ erhalten."
    )


# --- members -------------------------------------------------------------------


@bp.get("/verteiler/")
@member_required
def subscriptions():
    return render_template(
        "mailing/subscriptions.html",
        states=lists_for_member(current_user.member),
        consent_text=consent_text,
        archive_available=_archive_available(),
    )


@bp.post("/verteiler/<slug>/eintragen")
@member_required
def member_subscribe(slug: str):
    mailing_list = list_by_slug(slug, closed_too=True)
    try:
        lists.subscribe_member(mailing_list, current_user.member)
    except lists.ListError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".subscriptions"))
    db.session.commit()
    flash(f"Sie erhalten jetzt den Verteiler „{mailing_list.name}“.", "success")
    return redirect(url_for(".subscriptions"))


@bp.post("/verteiler/<slug>/austragen")
@member_required
def member_unsubscribe(slug: str):
    mailing_list = list_by_slug(slug, closed_too=True)
    lists.unsubscribe(mailing_list, current_user.member.email)
    db.session.commit()
    flash(f"Sie erhalten den Verteiler „{mailing_list.name}“ nicht mehr.", "success")
    return redirect(url_for(".subscriptions"))


# --- subscribing with double opt-in ------------------------------------------------


@bp.route("/verteiler/<slug>", methods=["GET", "POST"])
def subscribe(slug: str):
    mailing_list = list_by_slug(slug)
    form = SubscribeForm(consent_text=consent_text(mailing_list))
    if mailing_list.visibility == ListVisibility.OPEN and form.validate_on_submit():
        lists.request_subscription(mailing_list, form.email.data, form.name.data or "")
        db.session.commit()
        # The same page for every address: nobody learns who is on the list.
        return redirect(url_for(".subscribe_sent", slug=mailing_list.slug))
    if request.method == "POST" and mailing_list.visibility != ListVisibility.OPEN:
        abort(403)
    return render_template(
        "mailing/subscribe.html",
        mailing_list=mailing_list,
        form=form,
        days=lists.confirm_days(),
        archive_available=_archive_available(),
    )


@bp.get("/verteiler/<slug>/gesendet")
def subscribe_sent(slug: str):
    mailing_list = list_by_slug(slug)
    return render_template(
        "mailing/subscribe_sent.html", mailing_list=mailing_list, days=lists.confirm_days()
    )


@bp.route("/verteiler/bestaetigen/<token>", methods=["GET", "POST"])
def confirm(token: str):
    try:
        subscription = lists.subscription_for_token(token, lock=request.method == "POST")
    except InvalidToken as exc:
        return render_template(
            "mailing/confirm_invalid.html", expired=exc.expired, days=lists.confirm_days()
        ), 400
    mailing_list = subscription.mailing_list
    if subscription.state == SubscriptionState.ACTIVE:
        return render_template("mailing/confirmed.html", mailing_list=mailing_list, again=True)
    if subscription.state != SubscriptionState.PENDING:
        return render_template(
            "mailing/confirm_invalid.html", expired=False, days=lists.confirm_days()
        ), 400
    form = ButtonForm()
    if form.validate_on_submit():
        lists.confirm_subscription(subscription)
        db.session.commit()
        return redirect(url_for(".confirmed", slug=mailing_list.slug))
    return render_template(
        "mailing/confirm.html",
        form=form,
        subscription=subscription,
        mailing_list=mailing_list,
        consent_text=consent_text(mailing_list),
    )


@bp.get("/verteiler/<slug>/bestaetigt")
def confirmed(slug: str):
    mailing_list = list_by_slug(slug, closed_too=True)
    return render_template("mailing/confirmed.html", mailing_list=mailing_list, again=False)


# --- unsubscribing -------------------------------------------------------------------


# RFC 8058 one-click: mail programs POST "List-Unsubscribe=One-Click" (or nothing) to this
# URL from the mailbox, without a session and so without a CSRF token. The signed token
# in the URL is the authorisation, and leaving a list is the only thing it can do, so
# this is the one view exempt from CSRF protection (see tests/core/test_csrf.py).
@bp.route("/verteiler/abmelden/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    try:
        list_id, email = read_unsubscribe_token(token)
    except InvalidToken:
        return render_template("mailing/unsubscribe_invalid.html"), 400
    mailing_list = db.session.get(MailingList, list_id)
    if mailing_list is None:
        return render_template("mailing/unsubscribed.html", mailing_list=None, email=email)
    if request.method == "POST":
        lists.unsubscribe(mailing_list, email)
        db.session.commit()
        return render_template("mailing/unsubscribed.html", mailing_list=mailing_list, email=email)
    return render_template("mailing/unsubscribe.html", mailing_list=mailing_list, email=email)
