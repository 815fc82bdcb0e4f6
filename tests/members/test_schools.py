"""Schools: the coordinator's list, detail, create, edit and delete."""

import re

from sqlalchemy import func, select

from netzwerk.db import db
from netzwerk.members import school_operations
from netzwerk.members.models import School, SchoolForm
from tests.factories import make_district, make_member, make_school
from tests.helpers import text_of


def school_count() -> int:
    return db.session.execute(select(func.count(School.id))).scalar_one()


def school_data(**overrides):
    data = {
        "name": "Gesamtschule am Park",
        "school_form": "gesamtschule",
        "district_id": "",
        "street": "Parkallee 3",
        "postal_code": "45879",
        "city": "Musterstadt",
    }
    return data | overrides


def test_coordinator_adds_a_school_with_address_and_district(coordinator_client):
    district = make_district("Süd")
    response = coordinator_client.post(
        "/verwaltung/schulen/neu", data=school_data(district_id=str(district.id))
    )
    school = db.session.execute(select(School)).scalar_one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verwaltung/schulen/{school.id}")
    assert school.school_form is SchoolForm.GESAMTSCHULE
    assert school.district.name == "Süd"
    page = text_of(coordinator_client.get(f"/verwaltung/schulen/{school.id}").text)
    assert "Gesamtschule am Park" in page
    assert "Parkallee 3, 45879 Musterstadt" in page
    assert "Süd" in page


def test_duplicate_school_name_is_refused_in_german_and_nothing_written(coordinator_client):
    make_school("Gesamtschule am Park")
    response = coordinator_client.post(
        "/verwaltung/schulen/neu", data=school_data(name="gesamtschule am park")
    )
    assert response.status_code == 200
    assert "Eine Schule mit dem Namen „gesamtschule am park“ gibt es bereits." in response.text
    assert 'value="Parkallee 3"' in response.text  # what the user typed is kept
    assert school_count() == 1


def test_postal_code_must_have_five_digits(coordinator_client):
    response = coordinator_client.post(
        "/verwaltung/schulen/neu", data=school_data(postal_code="4587")
    )
    assert "Bitte geben Sie eine fünfstellige Postleitzahl an" in response.text
    assert re.search(r'aria-describedby="[^"]*postal_code-error', response.text)
    assert school_count() == 0


def test_address_is_optional(coordinator_client):
    data = school_data(street="", postal_code="", city="")
    response = coordinator_client.post("/verwaltung/schulen/neu", data=data)
    assert response.status_code == 302
    assert db.session.execute(select(School.postal_code)).scalar_one() == ""


def test_renaming_to_another_schools_name_is_refused(coordinator_client):
    make_school("Grundschule Nord")
    school = make_school("Grundschule Süd")
    response = coordinator_client.post(
        f"/verwaltung/schulen/{school.id}/bearbeiten", data=school_data(name="Grundschule Nord")
    )
    assert "Eine Schule mit dem Namen „Grundschule Nord“ gibt es bereits." in response.text
    db.session.expire_all()
    assert db.session.get(School, school.id).name == "Grundschule Süd"


def test_coordinator_edits_a_school(coordinator_client):
    school = make_school("Grundschule Süd", district=None)
    edit_page = coordinator_client.get(f"/verwaltung/schulen/{school.id}/bearbeiten").text
    assert 'value="Grundschule Süd"' in edit_page
    assert re.search(r'<option[^>]*selected[^>]*value="grundschule"', edit_page)
    response = coordinator_client.post(
        f"/verwaltung/schulen/{school.id}/bearbeiten",
        data=school_data(name="Grundschule am See", school_form="grundschule", city="Seestadt"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    school = db.session.get(School, school.id)
    assert (school.name, school.city) == ("Grundschule am See", "Seestadt")


def test_list_filters_by_schulform_district_and_name(coordinator_client):
    make_school("Grundschule Nord", SchoolForm.GRUNDSCHULE, district="Nord")
    make_school("Gymnasium Nord", SchoolForm.GYMNASIUM, district="Nord")
    make_school("Grundschule Süd", SchoolForm.GRUNDSCHULE, district="Süd")
    sued = make_district("Süd")

    def names(query: str) -> list[str]:
        html = coordinator_client.get("/verwaltung/schulen/" + query).text
        return re.findall(r'<th scope="row"><a [^>]+>([^<]+)</a>', html)

    assert names("") == ["Grundschule Nord", "Grundschule Süd", "Gymnasium Nord"]
    assert names("?schulform=grundschule") == ["Grundschule Nord", "Grundschule Süd"]
    assert names(f"?sozialraum={sued.id}") == ["Grundschule Süd"]
    assert names("?suche=nord&schulform=gymnasium") == ["Gymnasium Nord"]
    assert names("?suche=100%25") == []


def test_list_counts_only_active_members(coordinator_client):
    school = make_school("Realschule Mitte", SchoolForm.REALSCHULE)
    make_member(schools=[school])
    make_member(schools=[school])
    make_member(schools=[school], is_active=False)
    make_school("Förderschule West", SchoolForm.FOERDERSCHULE)
    html = coordinator_client.get("/verwaltung/schulen/").text
    rows = dict(re.findall(r">([^<]+)</a></th>.*?<td class=\"num\">(.*?)</td>", html, re.S))
    assert rows["Realschule Mitte"] == "2"
    assert "ohne Fachkraft" in rows["Förderschule West"]


def test_list_links_to_groups_employers_and_districts(coordinator_client):
    html = coordinator_client.get("/verwaltung/schulen/").text
    for path in ("/verwaltung/berufsgruppen/", "/verwaltung/traeger/", "/verwaltung/sozialraeume/"):
        assert f'href="{path}"' in html


def test_detail_shows_professionals_by_group_with_links(coordinator_client):
    school = make_school("Hauptschule Ost", SchoolForm.HAUPTSCHULE)
    schuso = make_member(first_name="Anna", last_name="Albers", group="schuso", schools=[school])
    make_member(first_name="Bernd", last_name="Brandt", group="sofa", schools=[school])
    make_member(first_name="Carla", last_name="Conrad", is_active=False, schools=[school])
    html = coordinator_client.get(f"/verwaltung/schulen/{school.id}").text
    text = text_of(html)
    assert f'href="/verwaltung/mitglieder/{schuso.id}"' in html
    assert text.index("SchuSo") < text.index("Albers, Anna") < text.index("SOFA")
    assert text.index("SOFA") < text.index("Brandt, Bernd")
    assert "Conrad, Carla" in text and "inaktiv" in text


def test_school_with_members_cannot_be_deleted(coordinator_client):
    school = make_school("Berufskolleg Mitte", SchoolForm.BERUFSKOLLEG)
    make_member(schools=[school], is_active=False)
    response = coordinator_client.post(
        f"/verwaltung/schulen/{school.id}/loeschen", follow_redirects=True
    )
    assert (
        "Die Schule „Berufskolleg Mitte“ kann nicht gelöscht werden, weil ihr noch eine "
        "Fachkraft zugeordnet ist." in response.text
    )
    assert school_count() == 1


def test_school_without_members_is_deleted(coordinator_client):
    school = make_school("Grundschule Alt")
    response = coordinator_client.post(f"/verwaltung/schulen/{school.id}/loeschen")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/verwaltung/schulen/")
    assert school_count() == 0


def test_deleting_is_post_only(coordinator_client):
    school = make_school()
    assert coordinator_client.get(f"/verwaltung/schulen/{school.id}/loeschen").status_code == 405
    assert school_count() == 1


def test_create_school_operation_flushes_without_committing(app):
    school = school_operations.create_school(name="Neue Schule", school_form=SchoolForm.GYMNASIUM)
    assert school.id is not None
    db.session.rollback()
    assert school_count() == 0
