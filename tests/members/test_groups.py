"""Berufsgruppen, Träger and Sozialräume: the coordinator adds and renames them."""

import re

import pytest
from sqlalchemy import func, select

from netzwerk.db import db
from netzwerk.members import school_operations
from netzwerk.members.models import District, Employer, EmployerKind, ProfessionalGroup
from tests.factories import get_group, make_district, make_employer, make_member
from tests.helpers import text_of


def count(model) -> int:
    return db.session.execute(select(func.count(model.id))).scalar_one()


# --- Berufsgruppen -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Schulbegleitung Süd", "schulbegleitung-sued"),
        ("Übergang Schule–Beruf", "uebergang-schule-beruf"),
        ("Straßensozialarbeit", "strassensozialarbeit"),
        ("  Öffentlichkeit & Ärger  ", "oeffentlichkeit-aerger"),
        ("Café Crème", "cafe-creme"),
        ("!!!", "gruppe"),
    ],
)
def test_slug_is_lower_case_ascii_with_umlauts_transliterated(name, slug):
    assert school_operations.slugify(name) == slug


def test_coordinator_adds_a_group_whose_slug_comes_from_the_name(coordinator_client):
    get_group("schuso")
    response = coordinator_client.post(
        "/verwaltung/berufsgruppen/neu",
        data={"name": "Schulbegleitung Süd", "description": "Inklusionshilfe"},
    )
    assert response.status_code == 302
    group = db.session.execute(
        select(ProfessionalGroup).where(ProfessionalGroup.name == "Schulbegleitung Süd")
    ).scalar_one()
    assert group.slug == "schulbegleitung-sued"
    assert group.position > get_group("schuso").position  # new groups go to the end
    listing = coordinator_client.get("/verwaltung/berufsgruppen/").text
    assert "/kalender/schulbegleitung-sued.ics" in listing


def test_slug_stays_unique_when_names_differ_only_in_punctuation(coordinator_client):
    get_group("schuso")
    coordinator_client.post("/verwaltung/berufsgruppen/neu", data={"name": "Schuso!"})
    slugs = set(db.session.execute(select(ProfessionalGroup.slug)).scalars())
    assert slugs == {"schuso", "schuso-2"}


def test_renaming_a_group_keeps_its_calendar_slug(coordinator_client):
    group = get_group("sofa")
    response = coordinator_client.post(
        f"/verwaltung/berufsgruppen/{group.id}/bearbeiten",
        data={"name": "Schuleingangsphase", "description": "Neu benannt", "position": "7"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    group = db.session.get(ProfessionalGroup, group.id)
    assert (group.name, group.description, group.position) == (
        "Schuleingangsphase",
        "Neu benannt",
        7,
    )
    assert group.slug == "sofa"


def test_the_form_says_that_the_calendar_address_stays(coordinator_client):
    group = get_group("mpt")
    edit = text_of(coordinator_client.get(f"/verwaltung/berufsgruppen/{group.id}/bearbeiten").text)
    assert "Die Kalender-Adresse /kalender/mpt.ics bleibt beim Umbenennen gleich" in edit
    new = text_of(coordinator_client.get("/verwaltung/berufsgruppen/neu").text)
    assert "bleibt auch nach einer späteren Umbenennung gleich" in new


def test_duplicate_group_name_is_refused_in_german_and_nothing_written(coordinator_client):
    get_group("schuso")
    response = coordinator_client.post(
        "/verwaltung/berufsgruppen/neu", data={"name": "schuso", "description": "Doppelt"}
    )
    assert response.status_code == 200
    assert "Die Berufsgruppe „schuso“ gibt es bereits." in response.text
    assert 'value="Doppelt"' in response.text
    assert count(ProfessionalGroup) == 1


def test_renaming_a_group_to_another_groups_name_is_refused(coordinator_client):
    get_group("schuso")
    sds = get_group("sds")
    response = coordinator_client.post(
        f"/verwaltung/berufsgruppen/{sds.id}/bearbeiten", data={"name": "SchuSo"}
    )
    assert "Die Berufsgruppe „SchuSo“ gibt es bereits." in response.text
    db.session.expire_all()
    assert db.session.get(ProfessionalGroup, sds.id).name == "SDS"


def test_groups_are_listed_by_position_with_member_counts(coordinator_client):
    schuso, sofa = get_group("schuso"), get_group("sofa")
    make_member(group="sofa")
    make_member(group="sofa")
    make_member(group="sofa", is_active=False)
    for group, position in ((schuso, "5"), (sofa, "1")):
        coordinator_client.post(
            f"/verwaltung/berufsgruppen/{group.id}/bearbeiten",
            data={"name": group.name, "position": position},
        )
    html = coordinator_client.get("/verwaltung/berufsgruppen/").text
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>.*?<td class="num">(\d+)</td>\s*'
        r'<td class="num">(\d+)</td>',
        html,
        re.S,
    )
    assert rows == [("SOFA", "2", "3"), ("SchuSo", "0", "0")]


# --- Träger --------------------------------------------------------------------


def test_coordinator_adds_an_employer(coordinator_client):
    response = coordinator_client.post(
        "/verwaltung/traeger/neu", data={"kind": "frei", "name": "Caritas Musterstadt"}
    )
    assert response.status_code == 302
    employer = db.session.execute(select(Employer)).scalar_one()
    assert (employer.kind, employer.name) == (EmployerKind.FREIER_TRAEGER, "Caritas Musterstadt")


def test_duplicate_employer_is_refused_in_german_and_nothing_written(coordinator_client):
    make_employer(EmployerKind.FREIER_TRAEGER, "AWO Musterstadt")
    response = coordinator_client.post(
        "/verwaltung/traeger/neu", data={"kind": "frei", "name": "awo musterstadt"}
    )
    assert "Den Träger „awo musterstadt“ (Freier Träger) gibt es bereits." in response.text
    assert count(Employer) == 1


def test_coordinator_renames_an_employer(coordinator_client):
    employer = make_employer(EmployerKind.KOMMUNE, "Stadt Musterstadt")
    coordinator_client.post(
        f"/verwaltung/traeger/{employer.id}/bearbeiten",
        data={"kind": "kommune", "name": "Stadt Musterstadt, Jugendamt"},
    )
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).name == "Stadt Musterstadt, Jugendamt"


def test_employers_are_listed_with_kind_and_member_counts(coordinator_client):
    awo = make_employer(EmployerKind.FREIER_TRAEGER, "AWO Musterstadt")
    make_employer(EmployerKind.LAND, "Land NRW")
    make_member(employer=awo)
    make_member(employer=awo, is_active=False)
    text = text_of(coordinator_client.get("/verwaltung/traeger/").text)
    assert "Land NRW Land 0 0" in text
    assert "AWO Musterstadt Freier Träger 1 2" in text
    assert text.index("Land NRW") < text.index("AWO Musterstadt")


# --- Sozialräume ---------------------------------------------------------------


def test_coordinator_adds_and_renames_a_district(coordinator_client):
    coordinator_client.post("/verwaltung/sozialraeume/neu", data={"name": "Altstadt"})
    district = db.session.execute(select(District)).scalar_one()
    coordinator_client.post(
        f"/verwaltung/sozialraeume/{district.id}/bearbeiten", data={"name": "Altstadt-Nord"}
    )
    db.session.expire_all()
    assert db.session.get(District, district.id).name == "Altstadt-Nord"
    assert "Altstadt-Nord" in coordinator_client.get("/verwaltung/sozialraeume/").text


def test_duplicate_district_is_refused_in_german_and_nothing_written(coordinator_client):
    make_district("Nord")
    response = coordinator_client.post("/verwaltung/sozialraeume/neu", data={"name": "NORD"})
    assert response.status_code == 200
    assert "Den Sozialraum „NORD“ gibt es bereits." in response.text
    assert count(District) == 1


def test_empty_name_is_refused_next_to_the_field(coordinator_client):
    response = coordinator_client.post("/verwaltung/sozialraeume/neu", data={"name": "  "})
    assert 'id="name-error"' in response.text
    assert "Bitte füllen Sie dieses Feld aus." in response.text
    assert count(District) == 0
