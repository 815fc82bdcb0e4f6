"""The public event list, an event's page, its .ics file, the personal link and my registrations."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from netzwerk.db import db
from netzwerk.demo.events import build_events
from netzwerk.demo.network import build_network
from netzwerk.events import operations
from netzwerk.events.models import Event, EventKind, EventState, Registration, RegistrationState
from netzwerk.events.tokens import registration_token
from tests import factories
from tests.events.test_registration_flow import login, new_client


def fill(event, n: int) -> None:
    for _ in range(n):
        operations.register(event.id, operations.Applicant.from_member(factories.make_member()))
        db.session.commit()


def test_list_shows_upcoming_events_with_date_place_and_free_places(client):
    start = datetime(2031, 3, 18, 8, 30, tzinfo=UTC)  # 09:30 in Berlin (winter time)
    event = factories.make_event(
        title="Fachtag Kinderschutz", start_dt=start, capacity=30, venue="Rathaus"
    )
    fill(event, 2)
    factories.make_event(title="Entwurf im Stillen", state=EventState.DRAFT)
    factories.make_event(title="Längst vorbei", days_ahead=-30)

    html = client.get("/veranstaltungen/").get_data(as_text=True)

    assert "Fachtag Kinderschutz" in html
    assert "Dienstag, 18. März 2031, 09:30–15:30 Uhr" in html
    assert "Rathaus" in html and "noch 28 Plätze" in html
    assert "Entwurf im Stillen" not in html and "Längst vorbei" not in html


def test_list_labels_waiting_list_closed_not_yet_open_and_cancelled(client):
    full = factories.make_event(title="Voll", capacity=1)
    fill(full, 1)
    factories.make_event(
        title="Bald offen",
        registration_opens_dt=datetime(2031, 1, 5, 8, 0, tzinfo=UTC),
        start_dt=datetime(2031, 2, 5, 8, 0, tzinfo=UTC),
    )
    factories.make_event(title="Fällt aus", state=EventState.CANCELLED)

    html = client.get("/veranstaltungen/").get_data(as_text=True)

    assert "Warteliste" in html
    assert "Anmeldung ab 05.01.2031, 09:00 Uhr" in html
    assert "Abgesagt" in html


def test_list_counts_places_in_one_query_however_many_events(app, client):
    def statements_for_page() -> int:
        count = 0

        def count_statement(*args):
            nonlocal count
            count += 1

        sa_event.listen(db.engine, "before_cursor_execute", count_statement)
        try:
            assert client.get("/veranstaltungen/").status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", count_statement)
        return count

    for _ in range(2):
        fill(factories.make_event(capacity=5), 1)
    few = statements_for_page()
    for _ in range(6):
        fill(factories.make_event(capacity=5), 1)
    assert statements_for_page() == few


def test_filters_by_group_and_type_and_keep_their_values(client):
    factories.make_event(title="Für SOFA", groups=["sofa"])
    factories.make_event(title="Für alle Gruppen")
    factories.make_event(title="Nur SchuSo", groups=["schuso"])
    factories.make_event(title="Treffen SOFA", groups=["sofa"], kind=EventKind.NETZWERKTREFFEN)

    by_group = client.get("/veranstaltungen/?gruppe=sofa").get_data(as_text=True)
    by_both = client.get("/veranstaltungen/?gruppe=sofa&art=netzwerktreffen").get_data(as_text=True)

    assert "Für SOFA" in by_group and "Für alle Gruppen" in by_group
    assert "Nur SchuSo" not in by_group
    assert '<option selected value="sofa">' in by_group
    assert "Treffen SOFA" in by_both and "Für SOFA" not in by_both
    assert '<option selected value="netzwerktreffen">' in by_both


def test_archive_lists_past_events(client):
    factories.make_event(title="Fachtag 2020", days_ahead=-400)
    factories.make_event(title="Kommt noch")

    for path in ("/veranstaltungen/archiv", "/veranstaltungen/?archiv=1"):
        html = client.get(path).get_data(as_text=True)
        assert "Vergangene Veranstaltungen" in html
        assert "Fachtag 2020" in html and "Kommt noch" not in html


def test_members_only_events_are_hidden_from_anonymous_visitors(app, client):
    event = factories.make_event(title="Internes Netzwerktreffen", is_public=False)

    assert "Internes Netzwerktreffen" not in client.get("/veranstaltungen/").get_data(as_text=True)
    response = client.get(f"/veranstaltungen/{event.id}")
    assert response.status_code == 302 and "/login" in response.location

    member_client = login(app, factories.make_member(with_account=True))
    assert "Internes Netzwerktreffen" in member_client.get("/veranstaltungen/").get_data(
        as_text=True
    )
    assert member_client.get(f"/veranstaltungen/{event.id}").status_code == 200


def test_drafts_are_not_found_by_visitors(client):
    event = factories.make_event(state=EventState.DRAFT)
    assert client.get(f"/veranstaltungen/{event.id}").status_code == 404
    assert client.get("/veranstaltungen/999999").status_code == 404


def test_detail_shows_the_facts_sanitised_description_and_workshop_seats(client):
    event = factories.make_event(
        title="Fachtag Übergänge",
        description="**Wichtig:** bitte pünktlich <script>alert(1)</script>",
        venue="Bildungszentrum",
        address="Hauptstraße 1, 12345 Musterstadt",
        organiser_name="Katrin Albers",
        certificate_hours=6.5,
        workshops=[("Forum Kinderschutz", 1, 2), ("Forum Sprache", 2, 20)],
    )
    operations.register(
        event.id,
        operations.Applicant.from_member(factories.make_member()),
        {1: [event.workshops[0].id]},
    )
    db.session.commit()

    html = client.get(f"/veranstaltungen/{event.id}").get_data(as_text=True)

    assert "<strong>Wichtig:</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "Bildungszentrum, Hauptstraße 1, 12345 Musterstadt" in html
    assert "Katrin Albers" in html and "6,5 Stunden" in html
    assert "Zeitfenster 1" in html and "Zeitfenster 2" in html
    assert "Forum Kinderschutz" in html and '<td class="num">1</td>' in html


def test_member_sees_a_one_step_form_with_profile_and_workshop_groups(app):
    event = factories.make_event(
        allows_second_choice=True,
        questions=[{"key": "essen", "label": "Essenswünsche", "required": False}],
        workshops=[("Forum A", 1, 10), ("Forum B", 1, 10)],
    )
    member = factories.make_member(with_account=True, first_name="Lena")

    html = login(app, member).get(f"/veranstaltungen/{event.id}").get_data(as_text=True)

    assert "Sie melden sich mit den Angaben aus Ihrem Profil an" in html and "Lena" in html
    assert "<legend>Workshop im Zeitfenster 1" in html and 'type="radio"' in html
    assert "Zweitwahl für Zeitfenster 1" in html
    assert "Essenswünsche" in html
    assert "Einwilligung" not in html  # members gave theirs when they joined


def test_anonymous_visitor_sees_guest_form_or_a_login_explanation(client):
    with_guests = factories.make_event(allows_guests=True)
    members_only = factories.make_event(allows_guests=False)

    guest_page = client.get(f"/veranstaltungen/{with_guests.id}").get_data(as_text=True)
    login_page = client.get(f"/veranstaltungen/{members_only.id}").get_data(as_text=True)

    assert 'name="employer_name"' in guest_page and 'name="consent"' in guest_page
    assert "nur Mitglieder des Netzwerks anmelden" in login_page
    assert 'name="email"' not in login_page


def test_a_cancelled_event_says_so_and_takes_no_registrations(client):
    event = factories.make_event(state=EventState.CANCELLED, allows_guests=True)
    html = client.get(f"/veranstaltungen/{event.id}").get_data(as_text=True)
    assert "Abgesagt" in html and "Diese Veranstaltung wurde abgesagt." in html
    assert 'name="consent"' not in html


def test_event_ics_is_text_calendar_and_answers_304_to_its_etag(client):
    event = factories.make_event(title="Netzwerktreffen Süd")

    response = client.get(f"/veranstaltungen/{event.id}.ics")

    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    assert b"SUMMARY:Netzwerktreffen S\xc3\xbcd" in response.data
    assert response.headers["Last-Modified"]
    again = client.get(
        f"/veranstaltungen/{event.id}.ics", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_public_event_page_offers_its_calendar_to_subscribe(app, client):
    public = factories.make_event()
    internal = factories.make_event(is_public=False)
    page = client.get(f"/veranstaltungen/{public.id}").get_data(as_text=True)
    assert f'href="webcal://netzwerk.test/veranstaltungen/{public.id}.ics"' in page

    member = factories.make_member(with_account=True)
    page = login(app, member).get(f"/veranstaltungen/{internal.id}").get_data(as_text=True)
    assert f"/veranstaltungen/{internal.id}.ics" in page  # to download, logged in
    assert "webcal://" not in page  # a calendar program could not log in to fetch it


def test_my_registrations_lists_upcoming_and_past_with_personal_links(app):
    member = factories.make_member(with_account=True)
    upcoming = factories.make_event(title="Kommender Fachtag")
    past = factories.make_event(title="Fachtag vom letzten Jahr", days_ahead=-300)
    registration = operations.register(upcoming.id, operations.Applicant.from_member(member))
    # Registrations for past events came about back then; write one directly.
    db.session.add(
        Registration(
            event=past,
            member_id=member.id,
            email=member.email,
            first_name=member.first_name,
            last_name=member.last_name,
            state=RegistrationState.CONFIRMED,
            token_nonce="damals",
            attended_dt=past.start_dt,
        )
    )
    db.session.commit()

    html = login(app, member).get("/meine-anmeldungen").get_data(as_text=True)

    assert html.index("Kommender Fachtag") < html.index("Vergangene Veranstaltungen")
    assert html.index("Fachtag vom letzten Jahr") > html.index("Vergangene Veranstaltungen")
    payload = registration_token(registration).split(".")[0]  # the rest is a timestamp
    assert f'href="/anmeldung/{payload}.' in html
    assert "teilgenommen" in html
    assert "Teilnahmebescheinigung (PDF)" in html
    assert 'href="/konto/kalender"' in html  # the personal calendar, for subscribing


def test_my_registrations_needs_a_login(client):
    response = client.get("/meine-anmeldungen")
    assert response.status_code == 302 and "/login" in response.location


@pytest.fixture()
def checkin_endpoint(app):
    """The coordinators' scan endpoint, standing in until (or unless) the desk provides it."""
    if "events_desk.checkin_scan" not in app.view_functions:
        app.add_url_rule(
            "/verwaltung/veranstaltungen/checkin/<token>",
            endpoint="events_desk.checkin_scan",
            view_func=lambda token: "ok",
        )


def test_personal_page_shows_a_qr_code_for_the_check_in(app, checkin_endpoint):
    event = factories.make_event()
    registration = operations.register(
        event.id, operations.Applicant.from_member(factories.make_member())
    )
    db.session.commit()
    token = registration_token(registration)
    client = new_client(app)

    page = client.get(f"/anmeldung/{token}").get_data(as_text=True)
    image = client.get(f"/anmeldung/{token}/qr.svg")

    assert f'src="/anmeldung/{token}/qr.svg"' in page
    # The code is an image, no inline script (which the CSP would block anyway).
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
    assert image.content_type.startswith("image/svg+xml")
    assert b"<svg" in image.data


def test_personal_pages_are_not_cached_and_leak_no_referrer(app, client):
    event = factories.make_event()
    registration = operations.register(
        event.id, operations.Applicant.from_member(factories.make_member())
    )
    db.session.commit()
    response = client.get(f"/anmeldung/{registration_token(registration)}")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_demo_events_have_every_state_and_their_pages_render(app, client):
    ctx = build_network(1)
    build_events(ctx)
    db.session.commit()

    states = set(db.session.execute(select(Registration.state).distinct()).scalars())
    assert states == set(RegistrationState)
    attended = db.session.execute(
        select(func.count()).select_from(Registration).where(Registration.attended_dt.is_not(None))
    ).scalar_one()
    assert attended > 0
    event_states = set(db.session.execute(select(Event.state).distinct()).scalars())
    assert event_states == set(EventState)  # a draft for next year, a called-off meeting
    events = (
        db.session.execute(
            select(Event).where(Event.is_public, Event.state != EventState.DRAFT)
        )
        .scalars()
        .all()
    )
    assert any(len(e.workshops) == 6 for e in events)
    for path in ["/veranstaltungen/", "/veranstaltungen/archiv"] + [
        f"/veranstaltungen/{e.id}" for e in events
    ]:
        assert client.get(path).status_code == 200, path


def test_the_list_offers_the_calendar_of_the_chosen_group(client):
    factories.get_group("sofa")
    everything = client.get("/veranstaltungen/").get_data(as_text=True)
    assert "webcal://netzwerk.test/kalender.ics" in everything
    assert 'href="/kalender"' in everything  # the page with every other feed

    by_group = client.get("/veranstaltungen/?gruppe=sofa").get_data(as_text=True)
    assert "webcal://netzwerk.test/kalender/sofa.ics" in by_group
    assert "Termine für SOFA abonnieren" in by_group
