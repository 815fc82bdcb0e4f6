"""The coordinator's data protection overview: search, open requests, retention, legal texts."""

from netzwerk.db import db
from netzwerk.privacy.models import ErasureRequest, ErasureRequestState
from tests import factories
from tests.helpers import statements_for, text_of

OVERVIEW = "/verwaltung/datenschutz/"


def test_the_overview_offers_search_requests_retention_and_legal_texts(coordinator_client):
    text = text_of(coordinator_client.get(OVERVIEW).get_data(as_text=True))

    for heading in ("Person suchen", "Offene Löschanträge", "Aufbewahrung", "Rechtstexte"):
        assert heading in text
    assert "12 Monate nach dem Ende" in text
    assert "Die Bereinigung ist noch nie gelaufen" in text


def test_the_overview_costs_the_same_statements_for_few_or_many_requests(
    coordinator_client, coordinator
):
    def add(n: int) -> None:
        for _ in range(n):
            member = factories.make_member()
            db.session.add_all(
                [
                    ErasureRequest(email=member.email, name=member.full_name, member_id=member.id),
                    ErasureRequest(
                        state=ErasureRequestState.ERASED,
                        settled_by_id=factories.make_coordinator().id,
                        settled_dt=member.created_dt,
                    ),
                ]
            )
        db.session.commit()

    add(1)
    few = statements_for(coordinator_client, OVERVIEW)
    add(5)
    many = statements_for(coordinator_client, OVERVIEW)

    assert few == many
