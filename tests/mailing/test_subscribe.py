"""Subscribing: double opt-in with stored proof, no enumeration, expiry, members' own page."""

import time
from datetime import timedelta

from itsdangerous import TimestampSigner
from sqlalchemy import select, update

from netzwerk.db import db, utcnow
from netzwerk.mailing.list_cli import lists_cli
from netzwerk.mailing.lists import confirm_token, purge_pending_subscriptions
from netzwerk.mailing.models import (
    ListOptOut,
    ListVisibility,
    OutboxMessage,
    Subscription,
    SubscriptionState,
)
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord
from tests import factories
from tests.conftest import free_port, mail_body
from tests.helpers import statements_for, text_of
from tests.mailing.list_helpers import (
    NEWSLETTER_PURPOSE,
    count,
    link_in,
    newsletter,
    subscription_of,
    working_list,
)

REQUEST_IP = {"REMOTE_ADDR": "198.51.100.7"}
CONFIRM_IP = {"REMOTE_ADDR": "203.0.113.9"}


def _subscribe(client, slug="newsletter", email="Erika.Extern@example.org", **overrides):
    data = {"email": email, "name": "Erika Extern", "consent": "y", **overrides}
    return client.post(
        f"/verteiler/{slug}",
        data={k: v for k, v in data.items() if v is not None},
        environ_base=REQUEST_IP,
    )


def test_double_opt_in_stores_the_proof_of_consent(client, deliver, smtp):
    mailing_list = newsletter()

    response = _subscribe(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/verteiler/newsletter/gesendet")
    pending = subscription_of(mailing_list, "erika.extern@example.org")
    assert pending.state == SubscriptionState.PENDING
    assert pending.request_ip == "198.51.100.7"
    assert pending.requested_dt is not None
    assert pending.consent_text_version == "2026-11"

    deliver()
    (mail,) = smtp.to("erika.extern@example.org")
    assert mail["Subject"] == "Bitte bestätigen Sie: Newsletter Schulsozialarbeit"
    assert "Erika Extern" in mail["To"]
    link = link_in(mail)
    assert "/verteiler/bestaetigen/" in link
    assert subscription_of(mailing_list, "erika.extern@example.org").confirmation_sent_dt

    confirmed = client.post(link, environ_base=CONFIRM_IP, follow_redirects=True)
    assert "Ihre Anmeldung ist bestätigt" in confirmed.text
    subscription = subscription_of(mailing_list, "erika.extern@example.org")
    assert subscription.state == SubscriptionState.ACTIVE
    assert subscription.confirmed_ip == "203.0.113.9"
    assert subscription.confirmed_dt >= subscription.confirmation_sent_dt
    assert subscription.confirmation_sent_dt >= subscription.requested_dt
    consent = db.session.execute(select(ConsentRecord)).scalar_one()
    assert consent.email == "erika.extern@example.org"
    assert consent.purpose == ConsentPurpose.LIST_SUBSCRIPTION
    assert consent.subject_ref == str(mailing_list.id)
    assert consent.text_version == "2026-11"
    assert consent.given_ip == "203.0.113.9"


def test_the_proof_names_when_the_confirmation_mail_really_went_out(
    app, client, coordinator_client, smtp, deliver
):
    mailing_list = newsletter()
    app.config.update(MAIL_PORT=free_port())  # the mail server is down
    _subscribe(client)
    deliver()  # fails; the mail waits in the outbox

    assert subscription_of(mailing_list, "erika.extern@example.org").confirmation_sent_dt is None
    page = coordinator_client.get(f"/verwaltung/verteiler/{mailing_list.id}/abonnenten")
    assert "Bestätigungsmail wartet im Postausgang" in text_of(page.text)

    server_back = utcnow()
    db.session.execute(update(OutboxMessage).values(next_attempt_dt=server_back))
    db.session.commit()
    app.config.update(MAIL_PORT=smtp.port)
    deliver()

    sent_dt = subscription_of(mailing_list, "erika.extern@example.org").confirmation_sent_dt
    assert sent_dt is not None and sent_dt >= server_back


def test_every_confirmation_mail_of_a_batch_records_when_it_went_out(client, deliver, smtp):
    """The worker records each one together with its claim on the next (see ResultLog)."""
    mailing_list = newsletter()
    emails = ["erste@example.org", "zweite@example.org", "dritte@example.org"]
    for email in emails:
        _subscribe(client, email=email)
    deliver()

    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == sorted(emails)
    for email in emails:
        assert subscription_of(mailing_list, email).confirmation_sent_dt is not None


def test_opening_the_confirmation_link_changes_nothing(client, deliver, smtp):
    mailing_list = newsletter()
    _subscribe(client)
    deliver()
    link = link_in(smtp.to("erika.extern@example.org")[0])

    page = client.get(link)
    assert page.status_code == 200
    assert ">Ja, Anmeldung bestätigen</button>" in page.text
    assert 'method="post"' in page.text
    assert NEWSLETTER_PURPOSE in page.text
    subscription = subscription_of(mailing_list, "erika.extern@example.org")
    assert subscription.state == SubscriptionState.PENDING
    assert subscription.confirmed_dt is None
    assert count(ConsentRecord) == 0


def test_the_form_shows_the_purpose_and_needs_consent(client):
    mailing_list = newsletter()
    page = client.get("/verteiler/newsletter")
    assert NEWSLETTER_PURPOSE in page.text

    response = _subscribe(client, consent=None, email="kein.haken@example.org")
    assert response.status_code == 200
    assert "Ohne Ihre Einwilligung" in response.text
    assert 'value="kein.haken@example.org"' in response.text
    assert subscription_of(mailing_list, "kein.haken@example.org") is None
    assert count(OutboxMessage) == 0


def test_the_answer_is_the_same_for_new_pending_and_subscribed_addresses(client, deliver, smtp):
    mailing_list = newsletter()
    factories.make_subscription(mailing_list, "aktiv@example.org")
    _subscribe(client, email="wartend@example.org")
    deliver()

    answers = [
        _subscribe(client, email=email)
        for email in ("neu@example.org", "wartend@example.org", "aktiv@example.org")
    ]
    assert {(a.status_code, a.headers["Location"]) for a in answers} == {
        (302, "/verteiler/newsletter/gesendet")
    }
    pages = {text_of(client.get(a.headers["Location"]).text) for a in answers}
    assert len(pages) == 1

    deliver()
    assert [m["Subject"] for m in smtp.to("neu@example.org")] == [
        "Bitte bestätigen Sie: Newsletter Schulsozialarbeit"
    ]
    assert len(smtp.to("wartend@example.org")) == 2  # a fresh link for the second request
    (note,) = smtp.to("aktiv@example.org")
    assert note["Subject"] == "Sie sind bereits angemeldet: Newsletter Schulsozialarbeit"
    assert "/verteiler/abmelden/" in mail_body(note)
    assert subscription_of(mailing_list, "aktiv@example.org").state == SubscriptionState.ACTIVE


def test_a_members_only_list_cannot_be_subscribed_anonymously(client):
    mailing_list = working_list(slug="alle-sofa", name="Alle SOFA")

    page = client.get("/verteiler/alle-sofa")
    assert page.status_code == 200
    assert "nur Mitglieder" in text_of(page.text)
    assert 'name="consent"' not in page.text

    response = _subscribe(client, slug="alle-sofa")
    assert response.status_code == 403
    assert count(Subscription) == 0
    assert count(OutboxMessage) == 0
    assert mailing_list.visibility == ListVisibility.MEMBERS


def test_a_closed_list_has_no_public_page(client):
    newsletter(visibility=ListVisibility.CLOSED)
    assert client.get("/verteiler/newsletter").status_code == 404
    assert _subscribe(client).status_code == 404
    assert count(Subscription) == 0


def test_unconfirmed_requests_expire(app, client, runner):
    mailing_list = newsletter()
    for email, age in (("alt@example.org", 8), ("frisch@example.org", 2)):
        factories.make_subscription(mailing_list, email, state=SubscriptionState.PENDING)
        subscription_of(mailing_list, email).requested_dt = utcnow() - timedelta(days=age)
    db.session.commit()

    assert purge_pending_subscriptions() == 1
    db.session.commit()
    assert subscription_of(mailing_list, "alt@example.org") is None
    assert subscription_of(mailing_list, "frisch@example.org") is not None

    app.config["MAILING_CONFIRM_DAYS"] = 1
    result = runner.invoke(lists_cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert "1 unbestätigte Anmeldung(en) gelöscht" in result.output
    assert count(Subscription) == 0


def test_an_expired_confirmation_link_confirms_nothing(client, deliver, smtp, monkeypatch):
    mailing_list = newsletter()
    eight_days_ago = int(time.time()) - 8 * 24 * 3600
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
        _subscribe(client)
    deliver()
    link = link_in(smtp.to("erika.extern@example.org")[0])

    for response in (client.get(link), client.post(link)):
        assert response.status_code == 400
        assert "Der Link ist abgelaufen" in response.text
    assert subscription_of(mailing_list, "erika.extern@example.org").confirmed_dt is None


def test_a_forged_confirmation_link_is_refused(client):
    newsletter()
    response = client.post("/verteiler/bestaetigen/gefaelscht.123")
    assert response.status_code == 400
    assert "Der Link ist ungültig" in response.text
    assert count(ConsentRecord) == 0


def test_a_member_subscribes_without_a_mail_round_trip(member_client, member):
    mailing_list = newsletter()

    page = member_client.get("/verteiler/")
    assert "Newsletter Schulsozialarbeit" in page.text
    assert NEWSLETTER_PURPOSE in page.text
    response = member_client.post(
        "/verteiler/newsletter/eintragen", environ_base=REQUEST_IP, follow_redirects=True
    )
    assert "Sie erhalten jetzt den Verteiler" in response.text

    subscription = subscription_of(mailing_list, member.email)
    assert subscription.state == SubscriptionState.ACTIVE
    assert subscription.member_id == member.id
    assert subscription.confirmed_ip == "198.51.100.7"
    assert subscription.consent_text_version == "2026-11"
    assert count(OutboxMessage) == 0
    consent = db.session.execute(select(ConsentRecord)).scalar_one()
    assert (consent.email, consent.given_ip) == (member.email, "198.51.100.7")


def test_a_member_leaves_and_rejoins_a_list_from_the_members_page(member_client, member):
    mailing_list = working_list(segments=[{}], name="Netzwerk Soziale Arbeit an Schulen")
    page = text_of(member_client.get("/verteiler/").text)
    assert "Sie erhalten diesen Verteiler automatisch als Mitglied" in page

    member_client.post(f"/verteiler/{mailing_list.slug}/austragen")
    assert count(ListOptOut) == 1
    assert "Abgemeldet" in text_of(member_client.get("/verteiler/").text)

    member_client.post(f"/verteiler/{mailing_list.slug}/eintragen")
    assert count(ListOptOut) == 0
    assert count(Subscription) == 0  # the segment reaches the member again; no subscription
    assert "Sie erhalten diesen Verteiler" in text_of(member_client.get("/verteiler/").text)


def test_members_cannot_join_a_closed_list_themselves(member_client, member):
    mailing_list = working_list(visibility=ListVisibility.CLOSED, name="Steuerungsgruppe")
    assert "Steuerungsgruppe" not in member_client.get("/verteiler/").text
    response = member_client.post(
        f"/verteiler/{mailing_list.slug}/eintragen", follow_redirects=True
    )
    assert "nur die Koordinierungsstelle" in response.text
    assert count(Subscription) == 0


def test_the_members_page_needs_a_login(client):
    response = client.get("/verteiler/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_members_page_costs_the_same_statements_for_few_or_many_lists(member_client, member):
    made = []

    def add_lists(n):
        for _ in range(n):
            made.append(working_list(segments=[{"group_id": member.group_id}]))
            factories.make_subscription(made[-1], member.email, member=member)
            newsletter(name=f"Newsletter {len(made)}", slug=f"newsletter-{len(made)}")

    add_lists(1)
    few = statements_for(member_client, "/verteiler/")
    add_lists(4)
    assert statements_for(member_client, "/verteiler/") == few


def test_a_confirmation_link_only_fits_the_address_it_was_sent_to(client):
    mailing_list = newsletter()
    subscription = factories.make_subscription(
        mailing_list, "erste@example.org", state=SubscriptionState.PENDING
    )
    token = confirm_token(subscription)
    # SQLite may give a deleted request's id to the next one: the old link must not fit it.
    subscription.email = "zweite@example.org"
    db.session.commit()

    assert client.post(f"/verteiler/bestaetigen/{token}").status_code == 400
    assert subscription_of(mailing_list, "zweite@example.org").state == SubscriptionState.PENDING
