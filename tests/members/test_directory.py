"""The network directory: only active members who agreed to be listed, and only what they agreed."""

import re

import pytest

from netzwerk.members.models import SchoolForm
from tests import factories

DIRECTORY = "/netzwerk/verzeichnis"


def shown_names(response) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)</th>', response.get_data(as_text=True))


@pytest.fixture()
def listed(app):
    school = factories.make_school("Hauptschule am Markt", SchoolForm.HAUPTSCHULE)
    paula = factories.make_member(
        first_name="Paula",
        last_name="Pohl",
        email="paula.pohl@example.org",
        group="sofa",
        schools=[school],
        listed_in_directory=True,
    )
    paula.phone = "0209 999888"
    paula.notes = "Nur dienstags erreichbar"
    factories.make_member(
        first_name="Rudi", last_name="Roth", group="mpt", listed_in_directory=True
    )
    factories.make_member(first_name="Ulla", last_name="Ungelistet")
    factories.make_member(
        first_name="Ingo", last_name="Inaktiv", listed_in_directory=True, is_active=False
    )
    return paula


def test_directory_shows_listed_active_members_only(member_client, listed):
    names = shown_names(member_client.get(DIRECTORY))

    assert names == ["Pohl, Paula", "Roth, Rudi"]


def test_directory_shows_group_school_and_work_email_but_no_phone_or_notes(member_client, listed):
    html = member_client.get(DIRECTORY).get_data(as_text=True)

    assert "SOFA" in html
    assert "Hauptschule am Markt" in html
    assert '<a href="mailto:paula.pohl@example.org">paula.pohl@example.org</a>' in html
    assert "0209 999888" not in html
    assert "dienstags" not in html


def test_directory_filters_by_group(member_client, listed):
    group_id = factories.get_group("mpt").id

    assert shown_names(member_client.get(DIRECTORY, query_string={"gruppe": group_id})) == [
        "Roth, Rudi"
    ]


@pytest.mark.parametrize("term", ["POHL", "markt", "paula pohl"])
def test_directory_search_finds_name_or_school(member_client, listed, term):
    assert shown_names(member_client.get(DIRECTORY, query_string={"suche": term})) == [
        "Pohl, Paula"
    ]


def test_search_does_not_reveal_unlisted_members(member_client, listed):
    response = member_client.get(DIRECTORY, query_string={"suche": "Ungelistet"})

    assert shown_names(response) == []
    assert "0 Einträge" in response.get_data(as_text=True)


def test_unlisted_member_is_told_how_to_appear(member_client, listed):
    html = member_client.get(DIRECTORY).get_data(as_text=True)

    assert "Sie selbst erscheinen derzeit nicht im Verzeichnis." in html


def test_coordinators_see_the_directory_too(coordinator_client, listed):
    assert shown_names(coordinator_client.get(DIRECTORY)) == ["Pohl, Paula", "Roth, Rudi"]


def test_visitors_must_log_in(client, listed):
    response = client.get(DIRECTORY)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
