"""Member-facing pages: the own profile and the network directory."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from netzwerk.db import db
from netzwerk.members import operations
from netzwerk.members.forms import DirectoryFilterForm, ProfileForm
from netzwerk.members.models import Member, ProfessionalGroup, School

bp = Blueprint("members", __name__)


def _schools():
    return db.session.execute(select(School).order_by(School.name)).scalars().all()


@bp.route("/profil", methods=["GET", "POST"])
@login_required
def profile():
    member = current_user.member
    if member is None:
        return render_template("members/member_no_profile.html")
    form = ProfileForm(schools=_schools(), data=ProfileForm.data_of(member))
    if form.validate_on_submit():
        operations.update_profile(member, **form.profile_fields())
        db.session.commit()
        flash("Ihr Profil ist gespeichert.", "success")
        return redirect(url_for(".profile"))
    return render_template("members/profile.html", form=form, member=member)


def _listed_members(filters: DirectoryFilterForm) -> Select:
    # Only what the member agreed to show: active, listed, and never notes or phone.
    query = (
        select(Member)
        .where(Member.is_active, Member.listed_in_directory)
        .options(joinedload(Member.group), selectinload(Member.schools))
    )
    for term in filters.search_terms:
        pattern = term.lower()
        query = query.where(
            or_(
                func.lower(Member.first_name).contains(pattern, autoescape=True),
                func.lower(Member.last_name).contains(pattern, autoescape=True),
                Member.schools.any(func.lower(School.name).contains(pattern, autoescape=True)),
            )
        )
    if filters.gruppe.data is not None:
        query = query.where(Member.group_id == filters.gruppe.data)
    return query.order_by(func.lower(Member.last_name), func.lower(Member.first_name), Member.id)


@bp.get("/netzwerk/verzeichnis")
@login_required
def directory():
    groups = db.session.execute(
        select(ProfessionalGroup).order_by(ProfessionalGroup.position, ProfessionalGroup.name)
    ).scalars()
    filters = DirectoryFilterForm(request.args, groups=groups.all())
    page = db.paginate(
        _listed_members(filters),
        per_page=current_app.config["MEMBERS_PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "members/directory.html", filters=filters, page=page, me=current_user.member
    )
