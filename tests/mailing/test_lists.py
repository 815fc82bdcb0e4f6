"""The coordinator's lists: settings with a stable slug, the overview, subscribers with their
consent proof, adding and removing addresses, the CSV export."""

from sqlalchemy import select

from netzwerk.accounts.models import AuditEntry
from netzwerk.db import db
from netzwerk.mailing.models import (
    LegalBasis,
    ListOptOut,
    ListSegment,
    ListVisibility,
    MailingList,
    OutboxMessage,
    Subscription,
    SubscriptionState,
)
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord
from tests import factories
from tests.helpers import statements_for, text_of
from tests.mailing.list_helpers import (
    count,
    link_in,
    newsletter,
    subscription_of,
    working_list,
)

ADMIN = "/verwaltung/verteiler/"


def _settings(**overrides) -> dict:
    values = {
        "name": "Newsletter Südstadt",
        "description": "Neues aus dem Sozialraum Süd.",
        "purpose": "Ich möchte den Newsletter Südstadt per E-Mail erhalten.",
        "legal_basis": "consent",
        "visibility": "open",
        "sender_name": "Koordinierungsstelle",
        "reply_to": "koordination@example.org",
        "has_archive": "y",
        "consent_text_version": "2026-11",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def _only_list() -> MailingList:
    db.session.expire_all()
    return db.session.execute(select(MailingList)).scalar_one()


def test_a_new_list_gets_a_slug_that_stays_when_renamed(coordinator_client):
    response = coordinator_client.post(ADMIN + "neu", data=_settings())
    mailing_list = _only_list()
    assert response.headers["Location"].endswith(f"/verwaltung/verteiler/{mailing_list.id}")
    assert mailing_list.slug == "newsletter-suedstadt"
    assert mailing_list.legal_basis == LegalBasis.CONSENT
    assert mailing_list.visibility == ListVisibility.OPEN
    assert mailing_list.has_archive
    assert mailing_list.reply_to == "koordination@example.org"

    coordinator_client.post(
        ADMIN + f"{mailing_list.id}/bearbeiten",
        data=_settings(name="Newsletter Sozialraum Süd", has_archive=None),
    )
    renamed = _only_list()
    assert renamed.name == "Newsletter Sozialraum Süd"
    assert renamed.slug == "newsletter-suedstadt"
    assert not renamed.has_archive


def test_a_slug_never_takes_a_path_of_the_list_pages(coordinator_client):
    coordinator_client.post(ADMIN + "neu", data=_settings(name="Abmelden"))
    assert _only_list().slug == "abmelden-verteiler"


def test_an_open_list_needs_consent_and_a_purpose(coordinator_client):
    response = coordinator_client.post(ADMIN + "neu", data=_settings(legal_basis="public_task"))
    assert response.status_code == 200
    assert "braucht die Einwilligung als Rechtsgrundlage" in response.text
    assert 'value="Newsletter Südstadt"' in response.text

    response = coordinator_client.post(ADMIN + "neu", data=_settings(purpose=""))
    assert "Bitte beschreiben Sie den Zweck" in response.text
    assert count(MailingList) == 0


def test_two_lists_cannot_share_a_name(coordinator_client):
    newsletter(name="Newsletter Südstadt", slug="alt")
    response = coordinator_client.post(ADMIN + "neu", data=_settings())
    assert "Einen Verteiler „Newsletter Südstadt“ gibt es bereits." in response.text
    assert count(MailingList) == 1


def test_the_overview_shows_kind_access_legal_basis_and_reach(coordinator_client):
    sofa = factories.make_member(group="sofa")
    factories.make_member(group="schuso")
    factories.make_member(group="sofa", is_active=False)
    working_list(name="Alle SOFA", segments=[{"group_id": sofa.group_id}])
    mixed = working_list(name="Netzwerk", segments=[{}])
    factories.make_subscription(mixed, "extern@example.org")
    letter = newsletter()
    factories.make_subscription(letter, "a@example.org")
    factories.make_subscription(letter, "b@example.org", state=SubscriptionState.PENDING)

    page = text_of(coordinator_client.get(ADMIN).text)

    assert "Alle SOFA Segment nur Mitglieder öffentliche Aufgabe 0 1" in page
    assert "Netzwerk beides nur Mitglieder öffentliche Aufgabe 1 3" in page
    assert "Newsletter Schulsozialarbeit Abonnement offen Einwilligung 1 (+1 ausstehend) 1" in page


def test_the_overview_costs_the_same_statements_for_few_or_many_lists(coordinator_client):
    made = []

    def add_lists(n):
        for _ in range(n):
            member = factories.make_member(group="sofa")
            made.append(working_list(segments=[{"group_id": member.group_id}, {}]))
            factories.make_subscription(made[-1], f"extern{len(made)}@example.org")
            factories.make_subscription(
                newsletter(name=f"Newsletter {len(made)}", slug=f"nl-{len(made)}"),
                member.email,
            )

    add_lists(1)
    few = statements_for(coordinator_client, ADMIN)
    add_lists(5)
    assert statements_for(coordinator_client, ADMIN) == few


def test_the_list_page_costs_the_same_statements_for_few_or_many_rules(coordinator_client):
    mailing_list = working_list(segments=[{}])
    few = statements_for(coordinator_client, ADMIN + str(mailing_list.id))
    for slug in ("sofa", "mpt", "sds"):
        factories.make_member(group=slug)
        db.session.add(ListSegment(list_id=mailing_list.id, group_id=factories.get_group(slug).id))
    db.session.commit()
    assert statements_for(coordinator_client, ADMIN + str(mailing_list.id)) == few


def test_subscribers_are_listed_with_their_state_and_consent_proof(coordinator_client):
    mailing_list = newsletter()
    confirmed = factories.make_subscription(mailing_list, "aktiv@example.org", name="Ana Aktiv")
    confirmed.request_ip, confirmed.confirmed_ip = "198.51.100.7", "203.0.113.9"
    confirmed.consent_text_version = "2026-11"
    factories.make_subscription(mailing_list, "wartet@example.org", state=SubscriptionState.PENDING)
    factories.make_subscription(
        mailing_list, "weg@example.org", state=SubscriptionState.UNSUBSCRIBED
    )
    db.session.commit()

    page = text_of(coordinator_client.get(ADMIN + f"{mailing_list.id}/abonnenten").text)

    assert "aktiv@example.org Ana Aktiv aktiv" in page
    assert "IP 198.51.100.7" in page
    assert "IP 203.0.113.9" in page
    assert "Einwilligungstext Fassung 2026-11" in page
    assert "wartet@example.org ausstehend" in page
    assert "weg@example.org abgemeldet" in page


def test_the_subscribers_page_costs_the_same_statements_for_few_or_many(coordinator_client):
    mailing_list = newsletter(segments=[{}])

    def add(n, start):
        for i in range(start, start + n):
            factories.make_subscription(mailing_list, f"leser{i}@example.org")
            db.session.add(ListOptOut(list_id=mailing_list.id, email=f"raus{i}@example.org"))
        db.session.commit()

    url = ADMIN + f"{mailing_list.id}/abonnenten"
    add(2, 0)
    few = statements_for(coordinator_client, url)
    add(20, 2)
    assert statements_for(coordinator_client, url) == few


def test_the_office_adds_an_address_to_a_working_list_at_once(coordinator_client):
    mailing_list = working_list(name="Steuerungsgruppe")

    response = coordinator_client.post(
        ADMIN + f"{mailing_list.id}/abonnenten",
        data={"neu-email": "Schulamt@example.org", "neu-name": "Schulamt"},
        follow_redirects=True,
    )

    assert "schulamt@example.org erhält jetzt den Verteiler." in response.text
    subscription = subscription_of(mailing_list, "schulamt@example.org")
    assert subscription.state == SubscriptionState.ACTIVE
    assert subscription.consent_text_version == ""
    assert count(OutboxMessage) == 0
    assert db.session.execute(select(AuditEntry.action)).scalar_one() == "list.add"


def test_for_a_consent_list_the_office_can_only_invite(coordinator_client, deliver, smtp):
    mailing_list = newsletter()

    response = coordinator_client.post(
        ADMIN + f"{mailing_list.id}/abonnenten",
        data={"neu-email": "lehrerin@example.org", "neu-name": "Lea Lehrerin"},
        follow_redirects=True,
    )

    assert "hat eine Einladung erhalten" in response.text
    assert subscription_of(mailing_list, "lehrerin@example.org").state == SubscriptionState.PENDING
    deliver()
    (invitation,) = smtp.to("lehrerin@example.org")
    assert "lädt Sie ein" in invitation.get_body(preferencelist=("plain",)).get_content()

    visitor = coordinator_client.application.test_client()
    visitor.post(link_in(invitation), environ_base={"REMOTE_ADDR": "203.0.113.5"})
    subscription = subscription_of(mailing_list, "lehrerin@example.org")
    assert subscription.state == SubscriptionState.ACTIVE
    assert subscription.confirmed_ip == "203.0.113.5"
    assert db.session.execute(select(ConsentRecord.purpose)).scalar_one() == (
        ConsentPurpose.LIST_SUBSCRIPTION
    )


def test_adding_an_address_that_already_receives_the_list_changes_nothing(coordinator_client):
    mailing_list = newsletter()
    factories.make_subscription(mailing_list, "da@example.org")

    response = coordinator_client.post(
        ADMIN + f"{mailing_list.id}/abonnenten",
        data={"neu-email": "da@example.org"},
        follow_redirects=True,
    )

    assert "erhält den Verteiler bereits" in response.text
    assert count(OutboxMessage) == 0


def test_removing_a_subscriber_withdraws_the_consent(coordinator_client):
    mailing_list = newsletter()
    subscription = factories.make_subscription(mailing_list, "weg@example.org")
    db.session.add(
        ConsentRecord(
            email="weg@example.org",
            purpose=ConsentPurpose.LIST_SUBSCRIPTION,
            subject_ref=str(mailing_list.id),
            text_version="2026-11",
        )
    )
    db.session.commit()

    coordinator_client.post(ADMIN + f"{mailing_list.id}/abonnenten/{subscription.id}/entfernen")

    assert count(Subscription) == 0
    assert db.session.execute(select(ConsentRecord.withdrawn_dt)).scalar_one() is not None
    assert db.session.execute(select(AuditEntry.action)).scalar_one() == "list.remove"


def test_subscribers_export_as_excel_csv_with_the_proof(coordinator_client):
    mailing_list = newsletter()
    subscription = factories.make_subscription(mailing_list, "leser@example.org", name="Lea")
    subscription.request_ip = "198.51.100.7"
    db.session.commit()

    response = coordinator_client.get(ADMIN + f"{mailing_list.id}/abonnenten.csv")

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "netzwerk-verteiler-newsletter-" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).lstrip("\ufeff").split("\r\n")
    assert lines[0].startswith("E-Mail;Name;Status;Angefragt am;Anfrage von IP;")
    assert lines[1].startswith("leser@example.org;Lea;aktiv;")
    assert ";198.51.100.7;" in lines[1]
    assert db.session.execute(select(AuditEntry.action)).scalar_one() == "export"


def test_the_demo_has_the_main_list_one_list_per_group_and_a_newsletter(app):
    from netzwerk.demo.mailing import MAIN_LIST_SLUG, NEWSLETTER_SLUG, build_lists
    from netzwerk.demo.network import build_network
    from netzwerk.mailing.recipients import count_recipients_by_list
    from netzwerk.members.models import Member

    ctx = build_network()
    if db.session.execute(select(MailingList)).first() is None:  # until BUILDERS has it
        build_lists(ctx)
    db.session.commit()

    lists = {ml.slug: ml for ml in db.session.execute(select(MailingList)).scalars()}
    assert {MAIN_LIST_SLUG, NEWSLETTER_SLUG, "alle-schuso", "alle-sofa", "alle-mpt"} <= set(lists)
    main, letter = lists[MAIN_LIST_SLUG], lists[NEWSLETTER_SLUG]
    assert main.name == "Netzwerk Soziale Arbeit an Schulen"
    assert main.legal_basis == LegalBasis.PUBLIC_TASK
    assert letter.legal_basis == LegalBasis.CONSENT
    assert letter.visibility == ListVisibility.OPEN
    reach = count_recipients_by_list(lists.values())
    active_members = count(Member, Member.is_active)
    assert active_members - 5 <= reach[main.id] < active_members  # a few opted out
    assert 0 < reach[lists["alle-sofa"].id] < reach[lists["alle-schuso"].id]
    proofs = db.session.execute(
        select(Subscription).where(
            Subscription.list_id == letter.id, Subscription.state == SubscriptionState.ACTIVE
        )
    ).scalars()
    assert all(s.request_ip and s.confirmed_ip and s.confirmation_sent_dt for s in proofs)
    assert count(ConsentRecord) >= reach[letter.id]
