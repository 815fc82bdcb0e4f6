"""Feeds go out gzip-compressed to calendar programs that ask for it, as a representation
with its own ETag; everyone else gets the plain file, and caches keep the two apart."""

import gzip

import icalendar
import pytest

from netzwerk.db import db
from netzwerk.events import admin_operations
from tests import factories
from tests.calendar.test_personal_feed import feed_url

GZIP = {"Accept-Encoding": "gzip, deflate, br"}  # as Thunderbird and Apple Calendar send it
FEEDS = ["/kalender.ics", "/kalender/schuso.ics"]


@pytest.fixture()
def feed_event(app):
    factories.get_group("schuso")
    return factories.make_event(title="Fachtag „Übergänge“", groups=["schuso"])


def varies_by_encoding(response) -> bool:
    return "accept-encoding" in {v.strip().lower() for v in response.headers["Vary"].split(",")}


def titles(data: bytes) -> list[str]:
    calendar = icalendar.Calendar.from_ical(data)
    return [str(component["SUMMARY"]) for component in calendar.walk("VEVENT")]


@pytest.mark.parametrize("url", FEEDS)
def test_a_client_asking_for_gzip_gets_the_same_feed_compressed(client, feed_event, url):
    plain = client.get(url)
    packed = client.get(url, headers=GZIP)

    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data)
    assert titles(gzip.decompress(packed.data)) == ["Fachtag „Übergänge“"]
    for response in (plain, packed):
        assert varies_by_encoding(response)
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    # Two representations, two strong ETags: a 304 always fits what the client holds.
    assert packed.headers["ETag"] != plain.headers["ETag"]


@pytest.mark.parametrize("url", FEEDS)
def test_each_etag_gets_its_304_only_with_its_own_encoding(client, feed_event, url):
    packed_etag = client.get(url, headers=GZIP).headers["ETag"]
    plain_etag = client.get(url).headers["ETag"]

    again = client.get(url, headers={**GZIP, "If-None-Match": packed_etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == packed_etag
    assert varies_by_encoding(again)
    assert client.get(url, headers={"If-None-Match": plain_etag}).status_code == 304

    # A client that stops sending Accept-Encoding gets the plain file, not a 304 for the
    # compressed one it held (and the other way round).
    switched = client.get(url, headers={"If-None-Match": packed_etag})
    assert switched.status_code == 200
    assert "Content-Encoding" not in switched.headers
    switched = client.get(url, headers={**GZIP, "If-None-Match": plain_etag})
    assert switched.status_code == 200
    assert switched.headers["Content-Encoding"] == "gzip"


def test_gzip_refused_with_q_zero_is_not_sent(client, feed_event):
    response = client.get("/kalender.ics", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers
    assert titles(response.data) == ["Fachtag „Übergänge“"]


def test_a_changed_event_changes_the_compressed_feed_too(app, client, feed_event):
    first = client.get("/kalender.ics", headers=GZIP)
    admin_operations.update_event(feed_event, feed_event.version, title="Fachtag „Übergänge“ (neu)")
    db.session.commit()

    second = client.get("/kalender.ics", headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]
    assert titles(gzip.decompress(second.data)) == ["Fachtag „Übergänge“ (neu)"]


def test_repeated_polls_keep_their_encoding_apart(client, feed_event):
    """The replay of repeated polls (calendar/replay.py) must not hand one client's
    representation to the other."""
    for _ in range(3):
        assert client.get("/kalender.ics", headers=GZIP).headers["Content-Encoding"] == "gzip"
        plain = client.get("/kalender.ics")
        assert "Content-Encoding" not in plain.headers
        assert titles(plain.data) == ["Fachtag „Übergänge“"]


def test_the_personal_feed_is_compressed_as_well(client, member, feed_event):
    url = feed_url(member)
    response = client.get(url, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == client.get(url).data
    assert "private" in response.headers["Cache-Control"]
