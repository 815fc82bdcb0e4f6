"""The page /kalender that lists every feed, and the "Kalender abonnieren" box."""

from flask import render_template_string

from tests import factories
from tests.helpers import statements_for, text_of


def test_the_calendar_page_offers_every_public_feed_with_webcal_and_https(client):
    for slug in ("schuso", "sofa"):
        factories.get_group(slug)

    html = client.get("/kalender").get_data(as_text=True)

    assert 'href="webcal://netzwerk.test/kalender.ics"' in html
    assert 'value="http://netzwerk.test/kalender.ics"' in html
    assert "webcal://netzwerk.test/kalender/schuso.ics" in html
    assert "http://netzwerk.test/kalender/sofa.ics" in html
    page = text_of(html)
    for program in (
        "Outlook",
        "Outlook im Web",
        "Google Kalender",
        "Apple Kalender",
        "Thunderbird",
    ):
        assert program in page
    assert "Google aktualisiert abonnierte Kalender nur alle paar Stunden" in page
    assert "Qualitätszirkel" not in page.split("Ihr persönlicher Kalender")[0]


def test_members_see_open_circles_and_the_way_to_their_personal_feed(member_client):
    open_circle = factories.make_circle(name="QZ Sekundarstufe")
    factories.make_circle(name="QZ Geschlossen", is_open=False)

    html = member_client.get("/kalender").get_data(as_text=True)

    assert f"webcal://netzwerk.test/kalender/qz/{open_circle.id}.ics" in html
    assert "QZ Geschlossen" not in html
    assert 'href="/konto/kalender"' in html


def test_the_box_can_be_included_with_a_feed_url(app):
    with app.test_request_context():
        html = render_template_string(
            '{% with feed_url="https://netzwerk.example/kalender/sds.ics", feed_title="SDS" %}'
            '{% include "calendar/_subscribe.html" %}{% endwith %}'
        )
    assert 'href="webcal://netzwerk.example/kalender/sds.ics"' in html
    assert 'value="https://netzwerk.example/kalender/sds.ics"' in html
    assert "<h2" in html and "SDS" in html


def test_calendar_page_statement_count_does_not_grow(member_client):
    factories.get_group("schuso")
    factories.make_circle()
    few = statements_for(member_client, "/kalender")
    for slug in ("sofa", "mpt", "sds"):
        factories.get_group(slug)
    for _ in range(3):
        factories.make_circle()
    assert statements_for(member_client, "/kalender") == few
