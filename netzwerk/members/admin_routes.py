"""Coordinator pages for members: list with filters, detail, create, edit, deactivate, invite."""

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.db import db
from netzwerk.members import operations
from netzwerk.members.forms import MemberFilterForm, MemberForm
from netzwerk.members.models import (
    District,
    Employer,
    Member,
    ProfessionalGroup,
    School,
    member_schools,
)

bp = coordinator_blueprint("members_admin", __name__, "/mitglieder")


def account_state(member: Member) -> tuple[str, str]:
    """The member's login as a label and a badge class."""
    user = member.user
    if user is None:
        return "kein Zugang", "off"
    if not user.is_enabled:
        return "gesperrt", "warn"
    if not user.has_password:
        return "eingeladen", "warn"
    return "aktiv", "ok"


@bp.context_processor
def _helpers():
    return {"account_state": account_state}


def _all(model, *order_by):
    return db.session.execute(select(model).order_by(*order_by)).scalars().all()


def _groups():
    return _all(ProfessionalGroup, ProfessionalGroup.position, ProfessionalGroup.name)


def _employers():
    return _all(Employer, func.lower(Employer.name), Employer.kind)


def _schools():
    return _all(School, School.name)


def _member_form(**kwargs) -> MemberForm:
    return MemberForm(groups=_groups(), employers=_employers(), schools=_schools(), **kwargs)


def _filtered_members(filters: MemberFilterForm) -> Select:
    query = select(Member).options(
        # Everything a row shows is loaded up front: the page costs the same few
        # statements whether it lists five members or fifty.
        joinedload(Member.group),
        joinedload(Member.employer),
        joinedload(Member.user),
        selectinload(Member.schools),
    )
    for term in filters.search_terms:
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(term.lower(), autoescape=True)
                    for column in (Member.first_name, Member.last_name, Member.email)
                )
            )
        )
    if filters.gruppe.data is not None:
        query = query.where(Member.group_id == filters.gruppe.data)
    if filters.traeger.data is not None:
        query = query.where(Member.employer_id == filters.traeger.data)
    # Uncorrelated IN subqueries, each found once through its index: as EXISTS per member,
    # SQLite without statistics probed every school for every member (2 s at 10,000).
    if filters.employer_kind is not None:
        employers = select(Employer.id).where(Employer.kind == filters.employer_kind)
        query = query.where(Member.employer_id.in_(employers))
    if filters.school_form is not None:
        query = query.where(_at_schools(School.school_form == filters.school_form))
    if filters.sozialraum.data is not None:
        query = query.where(_at_schools(School.district_id == filters.sozialraum.data))
    if filters.schule.data is not None:
        query = query.where(_at_schools(School.id == filters.schule.data))
    if filters.active is not None:
        query = query.where(Member.is_active == filters.active)
    return query.order_by(func.lower(Member.last_name), func.lower(Member.first_name), Member.id)


def _at_schools(condition):
    """Members working at a school that meets the condition."""
    return Member.id.in_(
        select(member_schools.c.member_id)
        .join(School, School.id == member_schools.c.school_id)
        .where(condition)
    )


@bp.get("/")
def list_members():
    filters = MemberFilterForm(
        request.args,
        groups=_groups(),
        employers=_employers(),
        districts=_all(District, District.name),
        # Id and name are all a choice needs: not a thousand schools loaded as objects.
        schools=db.session.execute(select(School.id, School.name).order_by(School.name)).all(),
    )
    page = db.paginate(
        _filtered_members(filters),
        per_page=current_app.config["MEMBERS_PER_PAGE"],
        error_out=False,
    )
    return render_template("members/admin_list.html", filters=filters, page=page)


@bp.route("/neu", methods=["GET", "POST"])
def new_member():
    form = _member_form()
    if form.validate_on_submit():
        try:
            member = operations.create_member(**form.member_fields())
        except operations.EmailInUse as clash:
            form.email.errors.append(str(clash))
            return render_template("members/admin_form.html", form=form, duplicate=clash.other)
        db.session.commit()
        flash(f"{member.full_name} ist angelegt.", "success")
        return redirect(url_for(".member_detail", member_id=member.id))
    return render_template("members/admin_form.html", form=form)


@bp.get("/<int:member_id>")
def member_detail(member_id: int):
    member = db.get_or_404(Member, member_id)
    return render_template("members/admin_detail.html", member=member)


@bp.route("/<int:member_id>/bearbeiten", methods=["GET", "POST"])
def edit_member(member_id: int):
    member = db.get_or_404(Member, member_id)
    form = _member_form(data=MemberForm.data_of(member))
    if form.validate_on_submit():
        try:
            operations.update_member(member, **form.member_fields())
        except operations.EmailInUse as clash:
            form.email.errors.append(str(clash))
            return render_template(
                "members/admin_form.html", form=form, member=member, duplicate=clash.other
            )
        db.session.commit()
        flash("Die Änderungen sind gespeichert.", "success")
        return redirect(url_for(".member_detail", member_id=member.id))
    return render_template("members/admin_form.html", form=form, member=member)


@bp.post("/<int:member_id>/deaktivieren")
def deactivate(member_id: int):
    member = db.get_or_404(Member, member_id)
    operations.deactivate_member(member)
    db.session.commit()
    flash(f"{member.full_name} ist jetzt inaktiv; der Zugang ist gesperrt.", "success")
    return redirect(url_for(".member_detail", member_id=member.id))


@bp.post("/<int:member_id>/reaktivieren")
def reactivate(member_id: int):
    member = db.get_or_404(Member, member_id)
    operations.reactivate_member(member)
    db.session.commit()
    flash(f"{member.full_name} ist wieder aktiv.", "success")
    return redirect(url_for(".member_detail", member_id=member.id))


@bp.post("/<int:member_id>/einladen")
def invite(member_id: int):
    member = db.get_or_404(Member, member_id)
    try:
        operations.send_invitation(member)
    except operations.MemberInactive:
        flash(
            "Inaktive Mitglieder erhalten keine Einladung. "
            "Bitte reaktivieren Sie das Mitglied zuerst.",
            "error",
        )
        return redirect(url_for(".member_detail", member_id=member.id))
    db.session.commit()
    flash(f"Einladung an {member.full_name} ({member.email}) verschickt.", "success")
    return redirect(url_for(".member_detail", member_id=member.id))
