"""The circle's own pages cost the same statements with few or many members and minutes."""

import itertools
from datetime import timedelta

import pytest

from netzwerk.circles import operations, queries
from netzwerk.db import db, utcnow
from netzwerk.files.models import StoredFile
from tests import factories
from tests.helpers import statements_for

_serial = itertools.count(1)


def grow(circle, n: int) -> None:
    """n more members who answered, n more minutes with a file each, n more one-offs."""
    now = utcnow()
    upcoming = queries.upcoming_meetings(circle, now, limit=3)
    for _ in range(n):
        i = next(_serial)
        member = factories.make_member()
        operations.add_member(circle, member)
        operations.answer_meeting(circle, member, upcoming[i % 3], "yes", now=now)
        minutes = operations.save_minutes(
            circle, occurrence_dt=now - timedelta(days=400 + i), text=f"Protokoll {i}"
        )
        minutes.files.append(
            StoredFile(
                filename=f"anhang-{i}.pdf",
                content_type="application/pdf",
                size=10,
                sha256="0" * 64,
                storage_path=f"test/{i}",
            )
        )
        operations.add_meeting(
            circle,
            start_dt=now + timedelta(days=2, hours=i),
            end_dt=now + timedelta(days=2, hours=i, minutes=30),
            location="",
            note="",
        )
    db.session.commit()


# "subpage", not "page": that name is pytest-playwright's browser tab fixture.
@pytest.mark.parametrize(
    "subpage", ["", "/mitglieder", "/protokolle", "/protokolle?suche=protokoll", "/termine"]
)
def test_circle_pages_cost_the_same_for_two_or_ten(people, login, subpage):
    client = login(people.moderator)
    url = f"/qualitaetszirkel/{people.circle.id}{subpage}"
    grow(people.circle, 2)
    small = statements_for(client, url)
    grow(people.circle, 8)
    assert statements_for(client, url) == small
