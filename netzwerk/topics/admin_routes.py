"""Coordinator pages for topic suggestions: states, merging, workshops, phases, export."""

from flask import Response, abort, flash, redirect, render_template, request, url_for

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.db import db, utcnow
from netzwerk.events.models import Event
from netzwerk.topics import exports, operations, queries
from netzwerk.topics.forms import (
    MergeForm,
    PhaseForm,
    PublicSuggestionsForm,
    StateForm,
    TopicFilterForm,
    WorkshopFromTopicForm,
)
from netzwerk.topics.models import TopicState, TopicSuggestion
from netzwerk.topics.rules import TopicRefused, phase_of

bp = coordinator_blueprint("topics_admin", __name__, "/themen")


def _filters(form: TopicFilterForm) -> queries.TopicFilters:
    return queries.TopicFilters(
        sort=form.sort, event=form.veranstaltung.data or "", state=form.status.data or ""
    )


@bp.get("/")
def overview():
    now = utcnow()
    form = TopicFilterForm(request.args, events=queries.filter_events(now))
    page = queries.topics_page(
        _filters(form), request.args.get("page", 1, type=int), with_unconfirmed=True
    )
    ids = [topic.id for topic in page.items]
    events = queries.upcoming_events(now)
    return render_template(
        "topics/admin_overview.html",
        form=form,
        page=page,
        counts=queries.state_counts(),
        comments=queries.comment_counts(ids),
        events=events,
        phases={event.id: phase_of(event, now) for event in events},
        state_filters=queries.STATE_FILTERS,
        public_form=PublicSuggestionsForm(
            formdata=None, data={"enabled": operations.public_suggestions_enabled()}
        ),
    )


@bp.post("/oeffentlich")
def set_public_suggestions():
    form = PublicSuggestionsForm()
    if not form.validate_on_submit():
        abort(400)
    operations.set_public_suggestions(form.enabled.data)
    db.session.commit()
    if form.enabled.data:
        flash("Auch Personen ohne Konto können jetzt Themen vorschlagen.", "success")
    else:
        flash("Themen vorschlagen können jetzt nur noch angemeldete Mitglieder.", "success")
    return redirect(url_for(".overview") + "#oeffentlich")


@bp.get("/themen.csv")
def export_csv():
    form = TopicFilterForm(request.args, events=())
    export = exports.export_topics(_filters(form))
    db.session.commit()
    return Response(
        export.content.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",  # names and addresses: no copies in caches
        },
    )


# --- one suggestion and the decisions about it --------------------------------------------


def _topic(topic_id: int) -> TopicSuggestion:
    topic = queries.topic_with_links(topic_id)
    if topic is None:
        abort(404)
    return topic


def _forms(topic: TopicSuggestion, **given) -> dict:
    """The three decision forms; a form given by the caller keeps what was typed."""
    now = utcnow()
    forms = {
        "state_form": StateForm(
            formdata=None, data={"state": topic.state.value, "reason": topic.public_reason}
        ),
        "merge_form": MergeForm(formdata=None, targets=queries.merge_targets(topic)),
        "workshop_form": WorkshopFromTopicForm(
            formdata=None,
            events=queries.upcoming_events(now, fachtage_only=True),
            data={
                "title": topic.title,
                "facilitator": _suggester_name(topic) if topic.offers_workshop else "",
                "event": topic.event_id,
                "slot": 1,
            },
        ),
    }
    forms.update(given)
    return forms


def _suggester_name(topic: TopicSuggestion) -> str:
    return topic.member.full_name if topic.member else topic.suggester_name


def _detail_page(topic: TopicSuggestion, status: int = 200, **given):
    return render_template(
        "topics/admin_detail.html",
        topic=topic,
        comments=queries.comments_of(topic),
        merged_here=queries.merged_here(topic),
        suggester_name=_suggester_name(topic),
        suggester_email=topic.member.email if topic.member else topic.suggester_email,
        **_forms(topic, **given),
    ), status


@bp.get("/<int:topic_id>")
def detail(topic_id: int):
    return _detail_page(_topic(topic_id))


def _decide(topic_id: int, form_name: str, form, verb, done):
    """Validate, run the decision, commit; on refusal show the page with the message."""
    topic = _topic(topic_id)
    if form.validate_on_submit():
        try:
            result = verb(topic, form)
        except TopicRefused as refused:
            db.session.rollback()
            field = getattr(form, refused.field or "", None)
            if field is None:
                flash(refused.message, "error")
            else:
                field.errors = [*field.errors, refused.message]
            return _detail_page(_topic(topic_id), 422, **{form_name: form})
        db.session.commit()
        flash(done(result), "success")
        return redirect(url_for(".detail", topic_id=topic_id))
    return _detail_page(topic, 422, **{form_name: form})


@bp.post("/<int:topic_id>/status")
def change_state(topic_id: int):
    return _decide(
        topic_id,
        "state_form",
        StateForm(),
        lambda topic, form: operations.change_state(
            topic, TopicState(form.state.data), form.reason.data or ""
        ),
        lambda topic: f"Der Vorschlag ist jetzt „{topic.state.label}“. " + _told(topic),
    )


@bp.post("/<int:topic_id>/zusammenfuehren")
def merge(topic_id: int):
    topic = _topic(topic_id)
    form = MergeForm(targets=queries.merge_targets(topic))

    def verb(source, form):
        target = db.session.get(TopicSuggestion, form.target.data)
        return operations.merge_topics(source, target)

    return _decide(
        topic_id,
        "merge_form",
        form,
        verb,
        lambda target: (
            f"Der Vorschlag ist mit Nr. {target.id} „{target.title}“ "
            f"zusammengeführt; dieser hat jetzt {target.vote_count} Stimmen."
        ),
    )


@bp.post("/<int:topic_id>/forum")
def plan_workshop(topic_id: int):
    form = WorkshopFromTopicForm(events=queries.upcoming_events(utcnow(), fachtage_only=True))
    return _decide(
        topic_id,
        "workshop_form",
        form,
        lambda topic, form: operations.plan_as_workshop(topic, form.plan()),
        lambda workshop: (
            f"Das Forum „{workshop.title}“ ist bei „{workshop.event.title}“ "
            f"angelegt (Zeitfenster {workshop.slot})."
        ),
    )


def _told(topic: TopicSuggestion) -> str:
    if topic.member is not None or topic.suggester_email:
        return "Die vorschlagende Person erhält eine E-Mail."
    return ""


# --- suggestion phases ---------------------------------------------------------------------


@bp.route("/phasen/<int:event_id>", methods=["GET", "POST"])
def edit_phase(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = PhaseForm(data=PhaseForm.data_of(event))
    if form.validate_on_submit():
        try:
            operations.set_suggestion_phase(event, *form.times())
        except TopicRefused as refused:
            db.session.rollback()
            form.closes.errors = [*form.closes.errors, refused.message]
        else:
            db.session.commit()
            flash(f"Die Vorschlagsphase für „{event.title}“ ist gespeichert.", "success")
            return redirect(url_for(".overview", _anchor="phasen"))
    status = 422 if form.errors else 200
    return render_template(
        "topics/admin_phase.html", form=form, event=event, phase=phase_of(event, utcnow())
    ), status
