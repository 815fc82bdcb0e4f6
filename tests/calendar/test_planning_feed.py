"""The coordinators' planning feed /kalender/planung/<token>.ics: drafts as TENTATIVE,
members-only events, and the page that hands out its address."""

from datetime import timedelta

from netzwerk.accounts.models import Role
from netzwerk.calendar.tokens import renew_calendar_token
from netzwerk.db import db, utcnow
from netzwerk.events import admin_operations
from netzwerk.events.models import EventState
from tests import factories
from tests.calendar.support import parse
from tests.helpers import text_of

UID = "event-{}@netzwerk.test"


def planning_url(user) -> str:
    if user.calendar_token is None:
        renew_calendar_token(user)
        db.session.commit()
    return f"/kalender/planung/{user.calendar_token}.ics"


def test_drafts_are_tentative_and_members_only_events_are_in_it(client, coordinator):
    draft = factories.make_event(title="Fachtag 2032", state=EventState.DRAFT)
    internal = factories.make_event(title="Netzwerktreffen intern", is_public=False)
    public = factories.make_event(title="Fortbildung offen")
    old = factories.make_event(title="Längst vorbei", start_dt=utcnow() - timedelta(days=400))

    response = client.get(planning_url(coordinator))
    feed = parse(response)

    assert response.cache_control.private
    uids = feed.uids()
    assert UID.format(old.id) not in uids
    assert len(uids) == len(set(uids)) == 3
    statuses = {str(e["UID"]): (str(e["STATUS"]), str(e["SUMMARY"])) for e in feed.events}
    assert statuses[UID.format(draft.id)] == ("TENTATIVE", "Entwurf: Fachtag 2032")
    assert statuses[UID.format(internal.id)] == ("CONFIRMED", "Netzwerktreffen intern")
    assert statuses[UID.format(public.id)] == ("CONFIRMED", "Fortbildung offen")
    strict = {e.uid: e.status for e in feed.strict.events}
    assert str(strict[UID.format(draft.id)]).upper().endswith("TENTATIVE")
    loose = {e.uid.value: e.status.value for e in feed.loose.vevent_list}
    assert loose[UID.format(draft.id)] == "TENTATIVE"
    assert [tz["TZID"] for tz in feed.calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_publishing_a_draft_confirms_it_with_a_higher_sequence(client, coordinator):
    draft = factories.make_event(title="Fachtag 2032", state=EventState.DRAFT)
    url = planning_url(coordinator)
    before = parse(client.get(url)).by_uid(UID.format(draft.id))
    etag = client.get(url).headers["ETag"]

    admin_operations.publish_event(draft)
    db.session.commit()
    response = client.get(url, headers={"If-None-Match": etag})

    after = parse(response).by_uid(UID.format(draft.id))
    assert str(after["STATUS"]) == "CONFIRMED" and str(after["SUMMARY"]) == "Fachtag 2032"
    assert after["SEQUENCE"] > before["SEQUENCE"]


def test_a_deleted_draft_leaves_the_feed_and_changes_the_etag(client, coordinator):
    draft = factories.make_event(title="Verworfen", state=EventState.DRAFT)
    factories.make_event(title="Bleibt")
    url = planning_url(coordinator)
    etag = client.get(url).headers["ETag"]

    admin_operations.delete_event(draft)
    db.session.commit()
    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert parse(response).summaries() == {"Bleibt"}


def test_only_coordinators_tokens_open_it(client, coordinator):
    member = factories.make_member(with_account=True)
    renew_calendar_token(member.user)
    db.session.commit()
    assert client.get(f"/kalender/planung/{member.user.calendar_token}.ics").status_code == 404
    assert client.get("/kalender/planung/unbekannt.ics").status_code == 404

    url = planning_url(coordinator)
    coordinator.role = Role.MEMBER  # no longer in the office: the address stops working
    db.session.commit()
    assert client.get(url).status_code == 404


def test_the_coordinator_creates_and_renews_the_address(coordinator_client, coordinator):
    page = text_of(coordinator_client.get("/verwaltung/veranstaltungen/kalender").get_data(True))
    assert "Adresse erzeugen" in page

    coordinator_client.post("/verwaltung/veranstaltungen/kalender/neue-adresse")
    old = f"/kalender/planung/{coordinator.calendar_token}.ics"
    html = coordinator_client.get("/verwaltung/veranstaltungen/kalender").get_data(as_text=True)
    assert f"webcal://netzwerk.test{old}" in html
    assert coordinator_client.get(old).status_code == 200

    coordinator_client.post("/verwaltung/veranstaltungen/kalender/neue-adresse")
    assert coordinator_client.get(old).status_code == 404
    assert (
        coordinator_client.get(f"/kalender/planung/{coordinator.calendar_token}.ics").status_code
        == 200
    )


def test_members_cannot_open_the_planning_page(member_client):
    assert member_client.get("/verwaltung/veranstaltungen/kalender").status_code == 403


def test_the_calendar_page_points_coordinators_to_it(coordinator_client):
    html = coordinator_client.get("/kalender").get_data(as_text=True)
    assert 'href="/verwaltung/veranstaltungen/kalender"' in html


def test_the_calendar_page_does_not_offer_it_to_members(member_client):
    html = member_client.get("/kalender").get_data(as_text=True)
    assert "Planungskalender" not in html


def test_a_deleted_draft_leaves_the_feed_however_the_program_asks(client, coordinator):
    factories.make_event(title="Netzwerktreffen")
    draft = factories.make_event(title="Verworfene Idee", state=EventState.DRAFT)
    url = planning_url(coordinator)
    first = client.get(url)
    assert UID.format(draft.id) in parse(first).uids()

    admin_operations.delete_event(draft)
    db.session.commit()

    # The date-based question has nothing to go by: a deletion leaves no newer date.
    assert "Last-Modified" not in first.headers
    by_etag = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    by_date = client.get(url, headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
    for response in (by_etag, by_date):
        assert response.status_code == 200
        assert UID.format(draft.id) not in parse(response).uids()
