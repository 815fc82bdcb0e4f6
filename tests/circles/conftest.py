"""Circle fixtures: a circle with a moderator, a member and an outsider, each able to log in."""

from dataclasses import dataclass

import pytest

from tests import factories


@dataclass
class CirclePeople:
    circle: object
    moderator: object
    member: object
    outsider: object


@pytest.fixture()
def people(app):
    moderator = factories.make_member(first_name="Mona", with_account=True)
    member = factories.make_member(first_name="Malte", with_account=True)
    outsider = factories.make_member(first_name="Olga", with_account=True)
    circle = factories.make_circle(name="QZ Grundschulen", moderators=[moderator], members=[member])
    return CirclePeople(circle, moderator, member, outsider)


@pytest.fixture()
def login(client, auth):
    """login(member_or_user): the client, logged in as that person."""

    def as_(person):
        auth.logout()
        response = auth.login(person.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return as_
