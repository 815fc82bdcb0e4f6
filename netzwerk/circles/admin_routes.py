"""Coordinator pages for quality circles: overview with stale circles flagged, create, edit."""

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.circles import operations, queries
from netzwerk.circles.forms import CircleForm
from netzwerk.circles.models import Circle
from netzwerk.circles.operations import CircleRefused
from netzwerk.circles.queries import stale_after
from netzwerk.db import db, utcnow
from netzwerk.members.models import Member
from netzwerk.members.queries import all_districts

bp = coordinator_blueprint("circles_admin", __name__, "/qualitaetszirkel")


def _active_members() -> list[Member]:
    return list(
        db.session.execute(
            select(Member).where(Member.is_active).order_by(Member.last_name, Member.first_name)
        ).scalars()
    )


@bp.get("/")
def overview():
    rows = queries.overview_rows(utcnow(), stale_after())
    return render_template(
        "circles/admin_overview.html",
        rows=rows,
        stale_days=stale_after().days,
        stale_count=sum(row.is_stale for row in rows),
    )


@bp.route("/neu", methods=["GET", "POST"])
def new_circle():
    form = CircleForm(districts=all_districts(), members=_active_members(), data={"is_open": True})
    if form.validate_on_submit():
        try:
            circle = operations.create_circle(
                moderator_ids=form.moderator_ids, **form.circle_fields()
            )
        except CircleRefused as refused:
            form[refused.field or "name"].errors.append(refused.message)
        else:
            db.session.commit()
            flash(
                f"Der Qualitätszirkel „{circle.name}“ ist angelegt, mit eigenem Verteiler. "
                "Legen Sie jetzt den Terminplan fest.",
                "success",
            )
            return redirect(url_for("circles.schedule", circle_id=circle.id))
    return render_template("circles/admin_form.html", form=form, circle=None)


@bp.route("/<int:circle_id>/bearbeiten", methods=["GET", "POST"])
def edit_circle(circle_id: int):
    circle = db.get_or_404(Circle, circle_id)
    form = CircleForm(
        districts=all_districts(), with_moderators=False, data=CircleForm.data_of(circle)
    )
    if form.validate_on_submit():
        try:
            operations.update_circle(circle, **form.circle_fields())
        except CircleRefused as refused:
            form[refused.field or "name"].errors.append(refused.message)
        else:
            db.session.commit()
            flash("Die Änderungen sind gespeichert.", "success")
            return redirect(url_for("circles.detail", circle_id=circle.id))
    return render_template("circles/admin_form.html", form=form, circle=circle)
