"""The coordinator shows the proof of consent for any address (DSGVO Art. 7 (1))."""

from datetime import timedelta

from netzwerk.core.templating import datetime_de
from netzwerk.db import db, utcnow
from netzwerk.mailing.models import Subscription, SubscriptionState
from netzwerk.privacy.models import ConsentPurpose
from tests import factories
from tests.helpers import statements_for, text_of
from tests.privacy.conftest import EMAIL, consent, mailing_list

PERSON = "/verwaltung/datenschutz/person"


def page(client, email: str) -> str:
    response = client.get(PERSON, query_string={"email": email})
    assert response.status_code == 200
    return text_of(response.get_data(as_text=True))


def test_the_page_shows_every_consent_with_time_ip_and_text_version(coordinator_client, footprint):
    text = page(coordinator_client, EMAIL)

    assert "Eintrag im Netzwerkverzeichnis" in text
    assert "Anfrage über „Mitmachen“" in text
    assert "E-Mail-Verteiler" in text
    assert "198.51.100.7" in text
    assert "2026-11" in text


def test_the_page_shows_the_double_opt_in_of_applications_and_lists(coordinator_client, footprint):
    text = page(coordinator_client, EMAIL)

    assert "198.51.100.8" in text  # the application was confirmed from here
    assert "198.51.100.9" in text and "198.51.100.10" in text  # subscription request, confirm
    assert "Rundbrief" in text


def test_the_page_shows_the_directory_listing_consent(coordinator_client, footprint):
    text = page(coordinator_client, EMAIL)

    assert "Lea Wagner: im Verzeichnis sichtbar, eingewilligt am" in text


def test_the_search_ignores_upper_and_lower_case(coordinator_client, footprint):
    assert "198.51.100.7" in page(coordinator_client, "  LEA.Wagner@EXAMPLE.org ")


def test_a_guest_known_only_by_address_is_found(coordinator_client, app):
    consent("gast@example.org", ConsentPurpose.EVENT_REGISTRATION, 12, ip="203.0.113.5")
    db.session.commit()

    text = page(coordinator_client, "gast@example.org")

    assert "Anmeldung als Gast" in text and "203.0.113.5" in text


def test_a_withdrawn_consent_says_when(coordinator_client, app):
    withdrawn = utcnow() - timedelta(days=3)
    consent("weg@example.org", ConsentPurpose.LIST_SUBSCRIPTION, 1, withdrawn_dt=withdrawn)
    db.session.commit()

    text = page(coordinator_client, "weg@example.org")

    assert f"{datetime_de(withdrawn, 'short')} Uhr" in text


def test_an_unknown_address_finds_nothing(coordinator_client, app):
    text = page(coordinator_client, "niemand@example.org")

    assert "keine personenbezogenen Daten gespeichert" in text


def test_something_that_is_no_address_gets_a_message_next_to_the_field(coordinator_client, app):
    response = coordinator_client.get(PERSON, query_string={"email": "Maria Muster"})

    html = response.get_data(as_text=True)
    assert "Bitte geben Sie eine vollständige E-Mail-Adresse an." in html
    assert 'value="Maria Muster"' in html


def test_the_page_costs_the_same_statements_for_a_little_or_a_lot_of_data(coordinator_client, app):
    member = factories.make_member(email="viel@example.org", with_account=True)
    url = f"{PERSON}?email=viel@example.org"

    def add_traces(n: int) -> None:
        for _ in range(n):
            event = factories.make_event()
            factories.make_registration(event, member)
            newsletter = mailing_list(f"Liste {event.id}")
            db.session.add(
                Subscription(
                    list_id=newsletter.id,
                    email=member.email,
                    member_id=member.id,
                    state=SubscriptionState.ACTIVE,
                )
            )
            consent(member.email, ConsentPurpose.LIST_SUBSCRIPTION, newsletter.id)
        db.session.commit()

    add_traces(1)
    few = statements_for(coordinator_client, url)
    add_traces(4)
    many = statements_for(coordinator_client, url)

    assert few == many
