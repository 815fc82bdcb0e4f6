"""Coordinator pages for schools, Berufsgruppen, Träger, Sozialräume and coverage."""

from flask import current_app, flash, redirect, render_template, request, url_for

from netzwerk.accounts.access import coordinator_blueprint
from netzwerk.db import db
from netzwerk.members import queries
from netzwerk.members import school_operations as operations
from netzwerk.members.models import District, Employer, ProfessionalGroup, School
from netzwerk.members.school_forms import (
    CoverageFilterForm,
    DistrictForm,
    EmployerForm,
    GroupForm,
    SchoolEditForm,
    SchoolFilterForm,
)

bp = coordinator_blueprint("schools_admin", __name__)


# --- schools -----------------------------------------------------------------


@bp.get("/schulen/")
def list_schools():
    districts = queries.all_districts()
    filters = SchoolFilterForm(request.args, districts=districts)
    where = queries.school_filter(
        school_form=filters.school_form_value,
        district_id=filters.district_id,
        search=(filters.suche.data or "").strip(),
    )
    page = queries.schools_page(
        where,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["MEMBERS_PER_PAGE"],
    )
    counts = queries.active_members_per_school([school.id for school in page.items])
    return render_template("members/schools.html", filters=filters, page=page, active_counts=counts)


@bp.route("/schulen/neu", methods=["GET", "POST"])
def new_school():
    districts = queries.all_districts()
    form = SchoolEditForm(districts=districts)
    if form.validate_on_submit():
        try:
            school = operations.create_school(**_school_values(form, districts))
        except operations.DuplicateName as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Die Schule „{school.name}“ ist angelegt.", "success")
            return redirect(url_for(".school_detail", school_id=school.id))
    return render_template("members/school_form.html", form=form, school=None)


@bp.get("/schulen/<int:school_id>")
def school_detail(school_id: int):
    school = db.get_or_404(School, school_id)
    return render_template(
        "members/school_detail.html", school=school, groups=queries.members_of_school(school)
    )


@bp.route("/schulen/<int:school_id>/bearbeiten", methods=["GET", "POST"])
def edit_school(school_id: int):
    school = db.get_or_404(School, school_id)
    districts = queries.all_districts()
    form = SchoolEditForm(obj=school, districts=districts)
    if form.validate_on_submit():
        try:
            operations.update_school(school, **_school_values(form, districts))
        except operations.DuplicateName as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Die Änderungen sind gespeichert.", "success")
            return redirect(url_for(".school_detail", school_id=school.id))
    return render_template("members/school_form.html", form=form, school=school)


@bp.post("/schulen/<int:school_id>/loeschen")
def delete_school(school_id: int):
    school = db.get_or_404(School, school_id)
    name = school.name
    try:
        operations.delete_school(school)
    except operations.SchoolInUse as exc:
        flash(
            f"Die Schule „{name}“ kann nicht gelöscht werden, weil ihr noch "
            f"{_fachkraefte(exc.member_count)} zugeordnet "
            f"{'ist' if exc.member_count == 1 else 'sind'}. Bitte ordnen Sie diese zuerst "
            "einer anderen Schule zu.",
            "error",
        )
        return redirect(url_for(".school_detail", school_id=school_id))
    db.session.commit()
    flash(f"Die Schule „{name}“ ist gelöscht.", "success")
    return redirect(url_for(".list_schools"))


def _fachkraefte(count: int) -> str:
    return "eine Fachkraft" if count == 1 else f"{count} Fachkräfte"


def _school_values(form: SchoolEditForm, districts: list[District]) -> dict:
    by_id = {district.id: district for district in districts}
    return {
        "name": form.name.data,
        "school_form": form.school_form.data,
        "district": by_id.get(form.district_id.data),
        "street": form.street.data or "",
        "postal_code": form.postal_code.data or "",
        "city": form.city.data or "",
    }


# --- coverage ------------------------------------------------------------------


@bp.get("/abdeckung")
def coverage():
    districts = queries.all_districts()
    filters = CoverageFilterForm(request.args, districts=districts)
    where = queries.school_filter(
        school_form=filters.school_form_value, district_id=filters.district_id
    )
    report = queries.coverage_report(
        where,
        uncovered_only=bool(filters.nur_ohne.data),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["MEMBERS_PER_PAGE"],
    )
    return render_template(
        "members/coverage.html",
        filters=filters,
        report=report,
        is_filtered=where is not None,
        district_name={d.id: d.name for d in districts}.get(filters.district_id),
    )


# --- Berufsgruppen -----------------------------------------------------------


@bp.get("/berufsgruppen/")
def list_groups():
    return render_template("members/groups.html", rows=queries.groups_with_counts())


@bp.route("/berufsgruppen/neu", methods=["GET", "POST"])
def new_group():
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = operations.create_group(
                name=form.name.data,
                description=form.description.data or "",
                position=form.position.data,
            )
        except operations.DuplicateName as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                f"Die Berufsgruppe „{group.name}“ ist angelegt. "
                f"Ihr Kalender: /kalender/{group.slug}.ics",
                "success",
            )
            return redirect(url_for(".list_groups"))
    return render_template("members/group_form.html", form=form, group=None)


@bp.route("/berufsgruppen/<int:group_id>/bearbeiten", methods=["GET", "POST"])
def edit_group(group_id: int):
    group = db.get_or_404(ProfessionalGroup, group_id)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            operations.rename_group(
                group,
                name=form.name.data,
                description=form.description.data or "",
                position=form.position.data,
            )
        except operations.DuplicateName as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Die Berufsgruppe ist gespeichert.", "success")
            return redirect(url_for(".list_groups"))
    return render_template("members/group_form.html", form=form, group=group)


# --- Träger --------------------------------------------------------------------


@bp.get("/traeger/")
def list_employers():
    return render_template("members/employers.html", rows=queries.employers_with_counts())


@bp.route("/traeger/neu", methods=["GET", "POST"])
def new_employer():
    form = EmployerForm()
    if form.validate_on_submit():
        try:
            employer = operations.create_employer(kind=form.kind.data, name=form.name.data)
        except operations.DuplicateName as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Der Träger „{employer.name}“ ist angelegt.", "success")
            return redirect(url_for(".list_employers"))
    return render_template("members/employers_form.html", form=form, employer=None)


@bp.route("/traeger/<int:employer_id>/bearbeiten", methods=["GET", "POST"])
def edit_employer(employer_id: int):
    employer = db.get_or_404(Employer, employer_id)
    form = EmployerForm(obj=employer)
    if form.validate_on_submit():
        try:
            operations.rename_employer(employer, kind=form.kind.data, name=form.name.data)
        except operations.DuplicateName as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Der Träger ist gespeichert.", "success")
            return redirect(url_for(".list_employers"))
    return render_template("members/employers_form.html", form=form, employer=employer)


# --- Sozialräume ---------------------------------------------------------------


@bp.get("/sozialraeume/")
def list_districts():
    return render_template("members/districts.html", rows=queries.districts_with_counts())


@bp.route("/sozialraeume/neu", methods=["GET", "POST"])
def new_district():
    form = DistrictForm()
    if form.validate_on_submit():
        try:
            district = operations.create_district(name=form.name.data)
        except operations.DuplicateName as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Der Sozialraum „{district.name}“ ist angelegt.", "success")
            return redirect(url_for(".list_districts"))
    return render_template("members/districts_form.html", form=form, district=None)


@bp.route("/sozialraeume/<int:district_id>/bearbeiten", methods=["GET", "POST"])
def edit_district(district_id: int):
    district = db.get_or_404(District, district_id)
    form = DistrictForm(obj=district)
    if form.validate_on_submit():
        try:
            operations.rename_district(district, name=form.name.data)
        except operations.DuplicateName as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Der Sozialraum ist gespeichert.", "success")
            return redirect(url_for(".list_districts"))
    return render_template("members/districts_form.html", form=form, district=district)
