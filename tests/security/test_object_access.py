"""A member reaches only their own registrations, certificates, circles' minutes and
personal feed, whatever id or link they try; someone else's looks like a missing one."""

import base64
import io
import json
import secrets
from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import FileStorage

from netzwerk.circles import operations as circles_operations
from netzwerk.circles import queries as circles_queries
from netzwerk.circles.forms import occurrence_key
from netzwerk.core.tokens import make_token
from netzwerk.db import db, utcnow
from netzwerk.events.models import EventKind, Registration, RegistrationState
from netzwerk.events.tokens import PURPOSE, registration_token
from tests import factories


@pytest.fixture()
def fortbildung(app):
    return factories.make_event(
        title="Fortbildung Deeskalation", kind=EventKind.FORTBILDUNG, workshops=()
    )


@pytest.fixture()
def mine(fortbildung, member):
    return factories.make_registration(fortbildung, member, attended=True)


@pytest.fixture()
def theirs(fortbildung):
    other = factories.make_member(first_name="Tobias", last_name="Fremd", with_account=True)
    return factories.make_registration(fortbildung, other, attended=True)


def certificate_url(registration) -> str:
    return f"/meine-anmeldungen/{registration.id}/bescheinigung.pdf"


def test_a_member_gets_their_own_certificate(member_client, mine):
    response = member_client.get(certificate_url(mine))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"


def test_someone_elses_certificate_looks_like_a_missing_one(member_client, mine, theirs):
    foreign = member_client.get(certificate_url(theirs))
    missing = member_client.get(f"/meine-anmeldungen/{theirs.id + 1000}/bescheinigung.pdf")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.mimetype == "text/html"


def test_certificates_by_id_need_a_login(client, theirs):
    response = client.get(certificate_url(theirs))
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_my_registrations_list_only_my_own(member_client, mine, theirs):
    page = member_client.get("/meine-anmeldungen").get_data(as_text=True)

    assert "Fortbildung Deeskalation" in page
    assert registration_token(mine) in page
    assert registration_token(theirs) not in page
    assert "Fremd" not in page


def with_other_id(token: str, registration_id: int) -> str:
    """My link, edited by hand to name another registration; the signature stays mine."""
    payload, _, rest = token.partition(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data[0] = registration_id
    edited = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return edited.rstrip(b"=").decode() + "." + rest


def test_my_own_link_edited_to_someone_elses_id_opens_nothing(client, mine, theirs):
    edited = with_other_id(registration_token(mine), theirs.id)
    assert edited != registration_token(mine)

    for path in (f"/anmeldung/{edited}", f"/anmeldung/{edited}/bescheinigung.pdf"):
        response = client.get(path)
        assert response.status_code == 400
        assert "Fremd" not in response.get_data(as_text=True)


def test_a_guessed_nonce_for_someone_elses_registration_is_refused(app, client, theirs):
    # Even a correctly signed token (which only the server can make) needs the current nonce.
    token = make_token(PURPOSE, [theirs.id, "0" * 16])

    assert client.get(f"/anmeldung/{token}").status_code == 400
    assert client.get(f"/anmeldung/{token}/bescheinigung.pdf").status_code == 400
    assert client.post(f"/anmeldung/{token}/abmelden").status_code == 400
    db.session.refresh(theirs)
    assert theirs.state == RegistrationState.CONFIRMED


def test_a_member_cannot_cancel_someone_elses_registration_with_their_own_link(
    member_client, mine, theirs
):
    member_client.post(f"/anmeldung/{registration_token(mine)}/abmelden")

    assert db.session.get(Registration, theirs.id).state == RegistrationState.CONFIRMED
    assert db.session.get(Registration, mine.id).state == RegistrationState.CANCELLED


# --- quality circles: minutes and their files stay inside the circle ---------------------

SECRET = "Vertraulich: Fallbesprechung Familie Beispiel"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture()
def circle_with_minutes(app):
    moderator = factories.make_member(first_name="Mona", with_account=True)
    circle = factories.make_circle(name="QZ Grundschulen", moderators=[moderator], is_open=False)
    meeting = circles_queries.past_meetings(circle, utcnow())[0]
    minutes = circles_operations.save_minutes(
        circle,
        occurrence_dt=meeting.key,
        text=SECRET,
        uploads=[FileStorage(io.BytesIO(PDF), filename="Fallakte.pdf")],
        author=moderator.user,
    )
    db.session.commit()
    return circle, minutes, meeting


def circle_routes(app, circle, minutes, meeting) -> list[tuple[str, str]]:
    """(method, url) for every route of the circles blueprint that names this circle,
    filled with the real ids of its minutes, file, membership and meeting."""
    values = {
        "circle_id": circle.id,
        "minutes_id": minutes.id,
        "file_id": minutes.files[0].id,
        "membership_id": circle.memberships[0].id,
        "key": occurrence_key(meeting.key),
        "answer": "ja",
    }
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("circles.") and {"circle_id"} <= rule.arguments <= set(values):
            url = rule.build({k: values[k] for k in rule.arguments})[1]
            routes += [(method, url) for method in ("GET", "POST") if method in rule.methods]
    return routes


def circle_state(circle, minutes) -> tuple:
    db.session.expire_all()
    return (
        minutes.text,
        [f.id for f in minutes.files],
        sorted((m.member_id, m.role, m.state) for m in circle.memberships),
        circle.name,
        circle.schedule_rrule,
    )


def test_an_outsider_reaches_and_changes_nothing_in_a_circle(app, client, circle_with_minutes):
    circle, minutes, meeting = circle_with_minutes
    outsider = factories.make_member(first_name="Olga", with_account=True)
    client.post("/login", data={"email": outsider.email, "password": factories.PASSWORD})
    routes = circle_routes(app, circle, minutes, meeting)
    assert any("/dateien/" in url for _, url in routes)
    before = circle_state(circle, minutes)

    for method, url in routes:
        if url.endswith("/beitreten"):
            continue  # asking to join is what outsiders may do
        response = client.open(url, method=method, data={"text": "überschrieben"})
        body = response.get_data()
        assert SECRET.encode() not in body and PDF not in body, (method, url)
        if method == "POST" or "/protokolle" in url or "/mitglieder" in url:
            assert response.status_code in (302, 403, 404), (method, url, response.status_code)

    assert circle_state(circle, minutes) == before


def test_the_minutes_of_one_circle_cannot_be_reached_through_another(
    app, client, circle_with_minutes
):
    circle, minutes, _ = circle_with_minutes
    outsider = factories.make_member(first_name="Olga", with_account=True)
    own = factories.make_circle(members=[outsider])
    client.post("/login", data={"email": outsider.email, "password": factories.PASSWORD})
    file_id = minutes.files[0].id

    for url in (
        f"/qualitaetszirkel/{own.id}/protokolle/{minutes.id}",
        f"/qualitaetszirkel/{own.id}/protokolle/{minutes.id}/dateien/{file_id}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert PDF not in response.get_data() and SECRET.encode() not in response.get_data()


# --- the personal calendar feed: only the exact, current secret opens it ---------------


@pytest.fixture()
def feed_token(member_client, member):
    member_client.post("/konto/kalender/neue-adresse")
    db.session.refresh(member.user)
    member_client.post("/logout")
    return member.user.calendar_token


def test_the_feed_secret_is_long_and_random(feed_token):
    assert len(feed_token) >= 40  # 32 random bytes


def test_only_the_exact_current_feed_secret_opens_the_feed(client, feed_token):
    assert client.get(f"/kalender/privat/{feed_token}.ics").status_code == 200

    for guess in (
        feed_token[:-1],
        feed_token[:20],
        feed_token.swapcase(),
        feed_token + "A",
        secrets.token_urlsafe(32),
    ):
        assert client.get(f"/kalender/privat/{guess}.ics").status_code == 404, guess


def test_a_renewed_feed_secret_revokes_the_old_address(client, member, feed_token):
    client.post("/login", data={"email": member.email, "password": factories.PASSWORD})
    client.post("/konto/kalender/neue-adresse")
    client.post("/logout")

    assert client.get(f"/kalender/privat/{feed_token}.ics").status_code == 404
