"""Unsubscribing: one-click POST (RFC 8058) without CSRF token, a page with a button on GET,
opt-outs from segments, links that never expire, the mailto way through the office."""

import time
from email.header import decode_header, make_header
from urllib.parse import unquote

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from netzwerk.core.tokens import make_token
from netzwerk.db import db
from netzwerk.mailing.list_cli import lists_cli
from netzwerk.mailing.models import ListOptOut, SubscriptionState
from netzwerk.mailing.recipients import count_recipients
from netzwerk.mailing.tokens import (
    list_id_header,
    unsubscribe_mailto,
    unsubscribe_token,
    unsubscribe_url,
)
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord
from tests import factories
from tests.conftest import mail_body
from tests.helpers import text_of
from tests.mailing.list_helpers import count, newsletter, subscription_of, working_list

ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


@pytest.fixture()
def csrf_on(app):
    """As in production: forms need a token. Mail programs do not have one."""
    app.config["WTF_CSRF_ENABLED"] = True


def _path(mailing_list, email) -> str:
    return "/verteiler/abmelden/" + unsubscribe_token(mailing_list.id, email)


def _one_click(client, path, body):
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("body", ["", ONE_CLICK_BODY], ids=["empty-body", "rfc8058-body"])
def test_one_click_post_unsubscribes_at_once_without_csrf_token(client, csrf_on, body):
    mailing_list = newsletter()
    factories.make_subscription(mailing_list, "erika@example.org")
    db.session.add(
        ConsentRecord(
            email="erika@example.org",
            purpose=ConsentPurpose.LIST_SUBSCRIPTION,
            subject_ref=str(mailing_list.id),
            text_version="2026-11",
        )
    )
    db.session.commit()

    response = _one_click(client, _path(mailing_list, "erika@example.org"), body)

    assert response.status_code == 200
    assert "Sie sind abgemeldet" in response.text
    subscription = subscription_of(mailing_list, "erika@example.org")
    assert subscription.state == SubscriptionState.UNSUBSCRIBED
    assert subscription.unsubscribed_dt is not None
    assert db.session.execute(select(ConsentRecord.withdrawn_dt)).scalar_one() is not None
    assert count_recipients(mailing_list) == 0


def test_other_forms_still_need_the_csrf_token(client, csrf_on):
    newsletter()
    response = client.post("/verteiler/newsletter", data={"email": "x@example.org"})
    assert response.status_code == 400


def test_the_link_opens_a_page_with_a_button_and_changes_nothing(client):
    mailing_list = newsletter()
    factories.make_subscription(mailing_list, "erika@example.org")

    page = client.get(_path(mailing_list, "erika@example.org"))

    assert page.status_code == 200
    assert "Newsletter Schulsozialarbeit" in page.text
    assert ">Jetzt abmelden</button>" in page.text
    assert 'method="post"' in page.text
    assert subscription_of(mailing_list, "erika@example.org").state == SubscriptionState.ACTIVE


def test_leaving_a_segment_list_records_an_opt_out(client, csrf_on):
    sofa = factories.make_member(email="sofa@example.org", group="sofa")
    mailing_list = working_list(name="Alle SOFA", segments=[{"group_id": sofa.group_id}])
    assert count_recipients(mailing_list) == 1

    _one_click(client, _path(mailing_list, sofa.email), ONE_CLICK_BODY)

    opt_out = db.session.execute(select(ListOptOut)).scalar_one()
    assert (opt_out.list_id, opt_out.email) == (mailing_list.id, "sofa@example.org")
    assert count_recipients(mailing_list) == 0


def test_a_subscriber_reached_by_a_segment_too_leaves_both_ways(client):
    member = factories.make_member(email="beides@example.org")
    mailing_list = working_list(segments=[{}])
    factories.make_subscription(mailing_list, member.email, member=member)

    client.post(_path(mailing_list, member.email))

    assert subscription_of(mailing_list, member.email).state == SubscriptionState.UNSUBSCRIBED
    assert count(ListOptOut) == 1
    assert count_recipients(mailing_list) == 0


def test_unsubscribing_twice_is_harmless(client):
    member = factories.make_member(email="zweimal@example.org")
    mailing_list = working_list(segments=[{}])
    factories.make_subscription(mailing_list, member.email, member=member)
    path = _path(mailing_list, member.email)

    client.post(path)
    first = subscription_of(mailing_list, member.email).unsubscribed_dt
    again = client.post(path)

    assert again.status_code == 200
    assert "Sie sind abgemeldet" in again.text
    assert subscription_of(mailing_list, member.email).unsubscribed_dt == first
    assert count(ListOptOut) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_link_gets_a_german_error_and_changes_nothing(client, method):
    mailing_list = newsletter()
    factories.make_subscription(mailing_list, "erika@example.org")
    forged = _path(mailing_list, "erika@example.org")[:-3] + "abc"
    other_purpose = "/verteiler/abmelden/" + make_token("list-confirm", [mailing_list.id, "x"])

    for path in (forged, other_purpose, "/verteiler/abmelden/kaputt"):
        response = client.open(path, method=method)
        assert response.status_code == 400
        assert "Dieser Abmelde-Link gilt nicht" in response.text
    assert subscription_of(mailing_list, "erika@example.org").state == SubscriptionState.ACTIVE


def test_links_in_old_mails_still_work(client, monkeypatch):
    mailing_list = newsletter()
    factories.make_subscription(mailing_list, "erika@example.org")
    three_years_ago = int(time.time()) - 3 * 365 * 24 * 3600
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: three_years_ago)
        path = _path(mailing_list, "erika@example.org")

    assert client.post(path).status_code == 200
    assert subscription_of(mailing_list, "erika@example.org").state == (
        SubscriptionState.UNSUBSCRIBED
    )


def test_the_link_from_a_delivered_mail_unsubscribes(client, deliver, smtp):
    mailing_list = newsletter()
    factories.make_subscription(mailing_list, "erika@example.org")
    # An already subscribed address asking again gets a note with its unsubscribe link.
    client.post("/verteiler/newsletter", data={"email": "erika@example.org", "consent": "y"})
    deliver()
    body = mail_body(smtp.to("erika@example.org")[0])
    link = next(word for word in body.split() if "/verteiler/abmelden/" in word)
    assert link.startswith("http://netzwerk.test/verteiler/abmelden/")

    client.post(link, data=ONE_CLICK_BODY, content_type="application/x-www-form-urlencoded")

    assert subscription_of(mailing_list, "erika@example.org").state == (
        SubscriptionState.UNSUBSCRIBED
    )


def test_the_header_values_name_the_list(app):
    mailing_list = newsletter()
    url = unsubscribe_url(mailing_list, "Erika@Example.org")
    assert url.startswith("http://netzwerk.test/verteiler/abmelden/")

    mailto = unsubscribe_mailto(mailing_list, "erika@example.org")
    address, _, query = mailto.partition("?")
    assert address == "mailto:unsubscribe@example.org"
    assert unquote(query).startswith("subject=Abmelden newsletter ")

    assert list_id_header(mailing_list) == (
        "Newsletter Schulsozialarbeit <newsletter.lists.netzwerk.test>"
    )
    german = working_list(name="Verteiler Südstadt", slug="suedstadt")
    encoded = list_id_header(german)
    assert encoded.isascii()
    assert str(make_header(decode_header(encoded))) == (
        "Verteiler Südstadt <suedstadt.lists.netzwerk.test>"
    )


def test_the_office_carries_out_unsubscribe_mails_from_their_subjects(runner):
    member = factories.make_member(email="per.mail@example.org")
    mailing_list = working_list(segments=[{}])
    _, _, query = unsubscribe_mailto(mailing_list, member.email).partition("?subject=")

    result = runner.invoke(lists_cli, ["unsubscribe", unquote(query), "Abmelden x kaputt"])

    assert result.exit_code == 1
    assert "per.mail@example.org" in result.output
    assert "Ungültig, übersprungen: Abmelden x kaputt" in result.output
    assert count(ListOptOut) == 1


def test_the_office_takes_an_address_off_by_hand(coordinator_client):
    member = factories.make_member(email="brief@example.org")
    mailing_list = working_list(segments=[{}])

    response = coordinator_client.post(
        f"/verwaltung/verteiler/{mailing_list.id}/austragen",
        data={"austragen-email": "Brief@example.org"},
        follow_redirects=True,
    )

    assert "brief@example.org" in text_of(response.text)
    assert count(ListOptOut) == 1
    assert count_recipients(mailing_list) == 0
    assert member.is_active
