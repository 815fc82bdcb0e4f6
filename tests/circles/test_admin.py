"""The office's side: create and edit circles, each with its own list; the overview."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from netzwerk.circles import operations, queries
from netzwerk.circles.models import Circle, CircleKind, CircleRole
from netzwerk.circles.operations import CircleRefused
from netzwerk.db import db, utcnow
from netzwerk.mailing.models import LegalBasis, ListVisibility, MailingList
from netzwerk.members.models import SchoolForm
from tests import factories
from tests.helpers import statements_for, text_of


def circle_named(name):
    return db.session.execute(select(Circle).where(Circle.name == name)).scalar_one_or_none()


def test_a_coordinator_creates_a_circle_with_moderators_and_its_own_list(coordinator_client):
    first = factories.make_member(first_name="Anna")
    second = factories.make_member(first_name="Bernd")

    response = coordinator_client.post(
        "/verwaltung/qualitaetszirkel/neu",
        data={
            "name": "QZ Grundschulen",
            "kind": "schulform",
            "school_form": "grundschule",
            "description": "Austausch der Fachkräfte an **Grundschulen**",
            "is_open": "y",
            "default_location": "Rathaus, Raum 3",
            "moderator_1": first.id,
            "moderator_2": second.id,
        },
    )

    circle = circle_named("QZ Grundschulen")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/qualitaetszirkel/{circle.id}/terminplan")
    assert circle.kind == CircleKind.SCHOOL_FORM
    assert circle.school_form == SchoolForm.GRUNDSCHULE
    assert {(m.member_id, m.role) for m in circle.memberships} == {
        (first.id, CircleRole.MODERATOR),
        (second.id, CircleRole.MODERATOR),
    }
    mailing_list = db.session.execute(
        select(MailingList).where(MailingList.circle_id == circle.id)
    ).scalar_one()
    assert mailing_list.slug == "qz-grundschulen"
    assert mailing_list.name == "QZ Grundschulen"
    assert mailing_list.visibility == ListVisibility.CLOSED
    assert mailing_list.legal_basis == LegalBasis.PUBLIC_TASK
    assert [s.circle_id for s in mailing_list.segments] == [circle.id]


def test_a_circle_without_qz_in_its_name_gets_a_list_named_qz(app):
    circle = factories.make_circle(name="Kinderschutz an Schulen")

    mailing_list = operations.circle_mailing_list(circle)

    assert (mailing_list.name, mailing_list.slug) == (
        "QZ Kinderschutz an Schulen",
        "qz-kinderschutz-an-schulen",
    )


def test_a_schulform_circle_needs_its_schulform_and_keeps_the_input(coordinator_client):
    moderator = factories.make_member()

    response = coordinator_client.post(
        "/verwaltung/qualitaetszirkel/neu",
        data={"name": "QZ Ohne Schulform", "kind": "schulform", "moderator_1": moderator.id},
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Bitte wählen Sie die Schulform des Zirkels." in page
    assert 'value="QZ Ohne Schulform"' in page
    assert circle_named("QZ Ohne Schulform") is None


def test_a_circle_needs_a_moderator(coordinator_client):
    response = coordinator_client.post(
        "/verwaltung/qualitaetszirkel/neu", data={"name": "QZ Niemand", "kind": "thematisch"}
    )

    assert "Bitte wählen Sie, wer den Zirkel moderiert." in response.get_data(as_text=True)
    assert circle_named("QZ Niemand") is None


def test_more_than_two_moderators_are_refused(app):
    people = [factories.make_member() for _ in range(3)]

    with pytest.raises(CircleRefused, match="höchstens zwei"):
        operations.create_circle(
            moderator_ids=[p.id for p in people], name="QZ Drei", kind=CircleKind.THEMATIC
        )


def test_the_name_is_unique_whatever_the_case(coordinator_client):
    factories.make_circle(name="QZ Sozialraum Nord")
    moderator = factories.make_member()

    response = coordinator_client.post(
        "/verwaltung/qualitaetszirkel/neu",
        data={"name": "qz sozialraum nord", "kind": "thematisch", "moderator_1": moderator.id},
    )

    assert "Einen Qualitätszirkel mit diesem Namen gibt es bereits." in response.get_data(
        as_text=True
    )


def test_renaming_a_circle_renames_its_list(coordinator_client):
    circle = factories.make_circle(name="QZ Alt")
    district = factories.make_district("Süd")

    coordinator_client.post(
        f"/verwaltung/qualitaetszirkel/{circle.id}/bearbeiten",
        data={"name": "QZ Sozialraum Süd", "kind": "sozialraum", "district_id": district.id},
    )

    db.session.expire_all()
    assert circle.name == "QZ Sozialraum Süd"
    assert circle.district_id == district.id
    mailing_list = db.session.execute(
        select(MailingList).where(MailingList.circle_id == circle.id)
    ).scalar_one()
    assert mailing_list.name == "QZ Sozialraum Süd"
    assert mailing_list.slug == "qz-alt"  # addresses stay as they were


def test_moderators_edit_the_description_but_not_the_name(people, login):
    client = login(people.moderator)

    client.post(
        f"/qualitaetszirkel/{people.circle.id}/einstellungen",
        data={"description": "Neu beschrieben", "default_location": "Schule am Park"},
    )

    db.session.expire_all()
    assert people.circle.description == "Neu beschrieben"
    assert people.circle.is_open is False
    assert (
        client.get(f"/verwaltung/qualitaetszirkel/{people.circle.id}/bearbeiten").status_code == 403
    )
    assert (
        login(people.member).get(f"/qualitaetszirkel/{people.circle.id}/einstellungen").status_code
        == 403
    )


def test_the_overview_flags_circles_without_recent_minutes(coordinator_client, app):
    fresh = factories.make_circle(name="QZ Aktiv")
    stale = factories.make_circle(name="QZ Eingeschlafen")
    new = factories.make_circle(name="QZ Neu")
    now = utcnow()
    operations.save_minutes(fresh, occurrence_dt=now - timedelta(days=20), text="Protokoll")
    operations.save_minutes(stale, occurrence_dt=now - timedelta(days=120), text="Protokoll")
    stale.created_dt = new.created_dt = now - timedelta(days=400)
    new.created_dt = now - timedelta(days=10)
    db.session.commit()

    page = coordinator_client.get("/verwaltung/qualitaetszirkel/").get_data(as_text=True)

    rows = {name: text_of(row) for name, row in _rows(page).items()}
    assert "Protokoll fehlt" in rows["QZ Eingeschlafen"]
    assert "Protokoll fehlt" not in rows["QZ Aktiv"]
    assert "Protokoll fehlt" not in rows["QZ Neu"]  # just founded: nothing to miss yet
    assert "1 Zirkel hat seit mehr als 90 Tagen kein Protokoll" in text_of(page)


def test_the_stale_limit_is_configurable(coordinator_client, app):
    circle = factories.make_circle(name="QZ Monatlich")
    operations.save_minutes(circle, occurrence_dt=utcnow() - timedelta(days=40), text="P")
    db.session.commit()
    app.config["CIRCLE_MINUTES_STALE_DAYS"] = 30

    page = coordinator_client.get("/verwaltung/qualitaetszirkel/").get_data(as_text=True)

    assert "Protokoll fehlt seit über 30 Tagen" in page


def _rows(page: str) -> dict[str, str]:
    import re

    rows = {}
    for row in re.findall(r"<tr[^>]*>.*?</tr>", page, flags=re.S):
        name = re.search(r'<th scope="row">\s*<a [^>]*>([^<]+)</a>', row)
        if name:
            rows[name.group(1)] = row
    return rows


def _circles(n: int) -> None:
    """n circles, each with members, minutes, a skipped and a one-off meeting."""
    now = utcnow()
    for i in range(n):
        circle = factories.make_circle(members=[factories.make_member() for _ in range(2)])
        operations.save_minutes(circle, occurrence_dt=now - timedelta(days=i), text="P")
        operations.skip_meeting(circle, queries.upcoming_meetings(circle, now)[0], note="Ferien")
        operations.add_meeting(
            circle,
            start_dt=now + timedelta(days=3, hours=i),
            end_dt=now + timedelta(days=3, hours=i + 1),
            location="",
            note="",
        )
    db.session.commit()


def test_the_overview_costs_the_same_statements_for_two_or_eight_circles(coordinator_client):
    _circles(2)
    small = statements_for(coordinator_client, "/verwaltung/qualitaetszirkel/")
    _circles(6)
    assert statements_for(coordinator_client, "/verwaltung/qualitaetszirkel/") == small


def test_the_member_list_costs_the_same_statements_for_two_or_eight_circles(people, login):
    client = login(people.member)
    _circles(1)
    small = statements_for(client, "/qualitaetszirkel/")
    _circles(6)
    assert statements_for(client, "/qualitaetszirkel/") == small
