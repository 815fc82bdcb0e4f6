"""Topic suggestions: the list, one suggestion, suggesting, confirming, voting, commenting."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from netzwerk.accounts.access import member_required
from netzwerk.core.tokens import InvalidToken
from netzwerk.db import db, utcnow
from netzwerk.extensions import login_manager
from netzwerk.topics import operations, queries
from netzwerk.topics.forms import (
    CommentForm,
    ConfirmForm,
    PublicSuggestionForm,
    SuggestionForm,
    TopicFilterForm,
)
from netzwerk.topics.models import TopicState, TopicSuggestion
from netzwerk.topics.operations import public_suggestions_enabled
from netzwerk.topics.rules import TopicRefused

bp = Blueprint("topics", __name__)


def _member():
    return current_user.member if current_user.is_authenticated else None


def _require_viewer() -> None:
    """Members see the suggestions; the public only while it may suggest too."""
    if not current_user.is_authenticated and not public_suggestions_enabled():
        abort(login_manager.unauthorized())


def _visible_topic(topic_id: int) -> TopicSuggestion:
    topic = queries.topic_with_links(topic_id)
    if topic is None:
        abort(404)
    is_coordinator = current_user.is_authenticated and current_user.is_coordinator
    if topic.state == TopicState.UNCONFIRMED and not is_coordinator:
        abort(404)
    return topic


# --- the list and one suggestion ------------------------------------------------------


@bp.get("/themen/")
def list_topics():
    _require_viewer()
    public = not current_user.is_authenticated
    form = TopicFilterForm(request.args, events=queries.filter_events(utcnow(), public=public))
    filters = queries.TopicFilters(
        sort=form.sort, event=form.veranstaltung.data or "", state=form.status.data or ""
    )
    page = queries.topics_page(filters, request.args.get("page", 1, type=int))
    ids = [topic.id for topic in page.items]
    return render_template(
        "topics/list.html",
        form=form,
        page=page,
        comments=queries.comment_counts(ids),
        voted=queries.voted_topic_ids(_member(), ids),
        member=_member(),
    )


@bp.get("/themen/<int:topic_id>")
def detail(topic_id: int):
    _require_viewer()
    return _detail_page(_visible_topic(topic_id), CommentForm(formdata=None))


def _detail_page(topic: TopicSuggestion, comment_form: CommentForm, status: int = 200):
    member = _member()
    return render_template(
        "topics/detail.html",
        topic=topic,
        comments=queries.comments_of(topic) if current_user.is_authenticated else [],
        merged_here=queries.merged_here(topic),
        has_voted=topic.id in queries.voted_topic_ids(member, [topic.id]),
        member=member,
        comment_form=comment_form,
    ), status


# --- suggesting ---------------------------------------------------------------------


@bp.route("/themen/vorschlagen", methods=["GET", "POST"])
def suggest():
    if not current_user.is_authenticated:
        if not public_suggestions_enabled():
            abort(login_manager.unauthorized())
        return _suggest_publicly()
    member = _member()
    if member is None:
        abort(403)
    events = queries.open_events(utcnow())
    form = SuggestionForm(events=events, data={"event": request.args.get("veranstaltung", "")})
    if form.validate_on_submit():
        try:
            topic = operations.suggest_topic(form.details(), member)
        except TopicRefused as refused:
            db.session.rollback()
            form.add_refusal(refused)
        else:
            db.session.commit()
            flash("Vielen Dank! Ihr Themenvorschlag ist eingereicht.", "success")
            return redirect(url_for(".detail", topic_id=topic.id))
    status = 422 if form.errors else 200
    return render_template("topics/suggest.html", form=form, public=False), status


def _suggest_publicly():
    events = queries.open_events(utcnow(), public=True)
    form = PublicSuggestionForm(
        events=events, data={"event": request.args.get("veranstaltung", "")}
    )
    if form.validate_on_submit():
        try:
            operations.suggest_topic_publicly(form.details(), form.suggester())
        except TopicRefused as refused:
            db.session.rollback()
            form.add_refusal(refused)
        else:
            db.session.commit()
            return redirect(url_for(".sent"))
    status = 422 if form.errors else 200
    return render_template(
        "topics/suggest.html", form=form, public=True, days=operations.confirm_max_age().days
    ), status


@bp.get("/themen/vorschlag-gesendet")
def sent():
    return render_template("topics/sent.html", days=operations.confirm_max_age().days)


@bp.route("/themen/bestaetigen/<token>", methods=["GET", "POST"])
def confirm(token: str):
    try:
        topic = operations.topic_for_token(token, lock=request.method == "POST")
    except InvalidToken as exc:
        return render_template(
            "topics/token_invalid.html",
            expired=exc.expired,
            days=operations.confirm_max_age().days,
        ), 400
    if topic.state != TopicState.UNCONFIRMED:
        return render_template("topics/confirmed.html", topic=topic, already=True)
    form = ConfirmForm()
    if form.validate_on_submit():
        operations.confirm_topic(topic)
        db.session.commit()
        return render_template("topics/confirmed.html", topic=topic, already=False)
    return render_template("topics/confirm.html", form=form, topic=topic)


@bp.after_request
def _keep_confirmation_links_private(response):
    if request.view_args and "token" in request.view_args:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    return response


# --- votes and comments ---------------------------------------------------------------


def _vote_action(topic_id: int, verb, done: str, not_done: str):
    topic = _visible_topic(topic_id)
    try:
        changed = verb(topic, current_user.member)
    except TopicRefused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for(".detail", topic_id=topic_id))
    db.session.commit()
    flash(done if changed else not_done, "success" if changed else "info")
    return redirect(url_for(".detail", topic_id=topic_id))


@bp.post("/themen/<int:topic_id>/abstimmen")
@member_required
def vote(topic_id: int):
    # Each button says what it wants (vote, withdraw): a double click votes once, not twice
    # and back again.
    return _vote_action(
        topic_id,
        operations.cast_vote,
        "Ihre Stimme ist gezählt.",
        "Sie haben für diesen Vorschlag bereits abgestimmt.",
    )


@bp.post("/themen/<int:topic_id>/stimme-zurueckziehen")
@member_required
def withdraw(topic_id: int):
    return _vote_action(
        topic_id,
        operations.withdraw_vote,
        "Ihre Stimme ist zurückgezogen.",
        "Sie hatten für diesen Vorschlag keine Stimme abgegeben.",
    )


@bp.post("/themen/<int:topic_id>/kommentieren")
@member_required
def comment(topic_id: int):
    topic = _visible_topic(topic_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            operations.add_comment(topic, current_user.member, form.text.data)
        except TopicRefused as refused:
            db.session.rollback()
            form.text.errors = [*form.text.errors, refused.message]
        else:
            db.session.commit()
            flash("Ihr Kommentar ist veröffentlicht.", "success")
            return redirect(url_for(".detail", topic_id=topic_id, _anchor="kommentare"))
    return _detail_page(_visible_topic(topic_id), form, 422)
