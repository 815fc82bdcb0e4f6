"""The calendar feeds: what each holds, as bytes, cheap to serve again.

A feed knows its Version before anything is built (one aggregate query, see queries.py);
the routes answer 304 from it alone. Otherwise the bytes come from a small in-process
cache keyed by that version, or are built: one query for the records (related rows joined
or selectin-loaded), each event's VEVENT written directly (ical.event_bytes, not through
icalendar) and kept per record version, so that after one change in a feed of thousands
only that one event is written again. Polls of the public feeds that repeat one Flask
answered are answered again without Flask (replay.py).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app

from netzwerk.accounts.models import User
from netzwerk.calendar import queries
from netzwerk.calendar.circles import circle_components, circle_title
from netzwerk.calendar.ical import (
    calendar_bytes,
    event_bytes,
    registration_component,
    serialize,
    workshop_component,
)
from netzwerk.circles.models import Circle
from netzwerk.circles.schedule import load_meetings, series_parts
from netzwerk.core.memo import remembered
from netzwerk.db import db
from netzwerk.events.models import Event, EventState, Registration
from netzwerk.members.models import Member, ProfessionalGroup

# Raise when the bytes a version produces change (new properties, other texts), so that
# ETags and cached feeds from before a deployment do not survive it.
FEED_FORMAT = 1
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024


class ByteCache:
    """A least-recently-used cache of bytes, bounded by their total size."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value: bytes) -> None:
        if len(value) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size += len(value) - (len(old) if old is not None else 0)
            self._items[key] = value
            while self._size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)


def _caches() -> dict[str, ByteCache]:
    caches = current_app.extensions.get("netzwerk.calendar")
    if caches is None:
        budget = current_app.config.get("ICAL_CACHE_BYTES", DEFAULT_CACHE_BYTES)
        caches = {"feeds": ByteCache(budget // 2), "components": ByteCache(budget // 2)}
        current_app.extensions["netzwerk.calendar"] = caches
    return caches


def _cached(store: str, key: tuple, build: Callable[[], bytes]) -> bytes:
    cache = _caches()[store]
    value = cache.get(key)
    if value is None:
        value = build()
        cache.put(key, value)
    return value


@dataclass
class Feed:
    """One feed at one version; render() builds (or finds) its bytes."""

    key: tuple  # which feed, with every setting its bytes depend on
    name: str
    description: str
    version: queries.Version
    filename: str
    private: bool = False
    chunks: Callable[[], list[bytes]] = field(repr=False, default=list)
    # (key, value) of what the answer was built from in memo.remembered (replay.py)
    remembered: list = field(repr=False, default_factory=list)

    @property
    def etag(self) -> str:
        return _etag(self.key, self.version.key)

    @property
    def last_modified(self) -> datetime | None:
        return self.version.last_modified

    def render(self) -> bytes:
        return _cached(
            "feeds",
            (self.key, self.version.key),
            lambda: calendar_bytes(self.chunks(), self.name, self.description),
        )

    def render_gzip(self) -> bytes:
        """The same bytes gzip-compressed, once per version: calendar programs ask for
        gzip, and the full feed shrinks from 0.7 MB to a tenth on every poll."""
        return _cached(
            "feeds",
            (self.key, self.version.key, "gzip"),
            lambda: gzip.compress(self.render(), compresslevel=6, mtime=0),
        )


@lru_cache(maxsize=1024)
def _etag(key: tuple, version_key: tuple) -> str:
    # Equal versions give equal bytes, so the version names the content as well as
    # a hash of it would, and needs no building to compare. Kept: polls repeat it.
    token = repr((FEED_FORMAT, key, version_key)).encode()
    return hashlib.sha256(token).hexdigest()[:32]


def _settings(window: queries.Window) -> tuple:
    config = current_app.config
    return (
        config["BASE_URL"],
        config["SITE_NAME"],
        config["OFFICE_NAME"],
        str(config.get("ICAL_REFRESH")),
        window.past,
        window.grace,
    )


def _base_url() -> str:
    return current_app.config["BASE_URL"]


def _page_url(endpoint: str, **values) -> str:
    """A page's address under BASE_URL, whatever host the feed was fetched from: cached
    feeds must not carry the first requester's host."""
    base = urlsplit(_base_url())
    adapter = current_app.url_map.bind(
        base.netloc, url_scheme=base.scheme or "https", script_name=base.path or "/"
    )
    return adapter.build(endpoint, values, force_external=True)


def _event_chunk(event: Event) -> bytes:
    base_url = _base_url()
    key = (
        "event",
        event.id,
        event.updated_dt,
        event.ical_sequence,
        event.state,
        tuple(group.name for group in event.target_groups),
        base_url,
        FEED_FORMAT,
    )
    return _cached("components", key, lambda: event_bytes(event, base_url=base_url))


def _public_version(window: queries.Window, group_id: int | None = None) -> tuple:
    """The version query reads every listed event; calendar programs poll far more often
    than events change, so a few seconds' result is reused (netzwerk/core/memo.py).
    With its key in that memo, for the feed's replay."""
    key = ("public_version", group_id, window.past, window.grace)
    version = remembered(key, lambda: queries.public_version(window, group_id), at=window.now)
    return key, version


# --- the feeds ---------------------------------------------------------------------------------


def public_feed(now: datetime) -> Feed:
    """/kalender.ics: every public event, published or recently cancelled."""
    window = queries.Window.at(now)
    site = current_app.config["SITE_NAME"]
    memo_key, version = _public_version(window)
    return Feed(
        key=("public", _settings(window)),
        name=site,
        description=f"Öffentliche Veranstaltungen der {current_app.config['OFFICE_NAME']}",
        version=version,
        filename="kalender.ics",
        chunks=lambda: [_event_chunk(e) for e in queries.public_events(window)],
        remembered=[(memo_key, version)],
    )


def group_feed(group: ProfessionalGroup, now: datetime) -> Feed:
    """/kalender/<gruppe>.ics: public events for this Berufsgruppe or for everybody."""
    window = queries.Window.at(now)
    site = current_app.config["SITE_NAME"]
    memo_key, version = _public_version(window, group.id)
    return Feed(
        key=("group", group.id, group.name, group.description, _settings(window)),
        name=f"{site} – {group.name}",
        description=(
            f"Öffentliche Veranstaltungen der {current_app.config['OFFICE_NAME']} "
            f"für {group.description or group.name}"
        ),
        version=version,
        filename=f"kalender-{group.slug}.ics",
        chunks=lambda: [_event_chunk(e) for e in queries.public_events(window, group.id)],
        remembered=[(memo_key, version)],
    )


def planning_feed(now: datetime) -> Feed:
    """/kalender/planung/<token>.ics: every event for the coordinators, drafts as TENTATIVE
    and members-only events included."""
    window = queries.Window.at(now)
    return Feed(
        key=("planning", _settings(window)),
        name=f"Planung – {current_app.config['SITE_NAME']}",
        description=(
            f"Alle Veranstaltungen der {current_app.config['OFFICE_NAME']} mit Entwürfen "
            "(vorläufig) und Terminen nur für Mitglieder"
        ),
        # Without Last-Modified: a deleted draft leaves no newer date behind, so a program
        # asking If-Modified-Since would keep it. The ETag (count and ids) sees deletions.
        version=replace(queries.planning_version(window), last_modified=None),
        filename="planung.ics",
        private=True,
        chunks=lambda: [_event_chunk(e) for e in queries.planning_events(window)],
    )


def _circle_chunks(circles: list[Circle], window: queries.Window) -> list[bytes]:
    meetings = load_meetings(circle.id for circle in circles)
    chunks = []
    for circle in circles:
        components = circle_components(
            circle,
            series_parts(circle, meetings[circle.id]),
            base_url=_base_url(),
            url=_page_url("circles.detail", circle_id=circle.id),
            since=window.since,
        )
        chunks += [serialize(component) for component in components]
    return chunks


def circle_feed(circle_id: int, now: datetime, version: queries.CircleVersion) -> Feed:
    """/kalender/qz/<id>.ics: one circle's meetings (who may read it: see the routes)."""
    window = queries.Window.at(now)

    def chunks() -> list[bytes]:
        return _circle_chunks([db.get_or_404(Circle, circle_id)], window)

    return Feed(
        key=("circle", circle_id, _settings(window)),
        name=circle_title(version.name),
        description=f"Treffen des Qualitätszirkels „{version.name}“",
        version=version,
        filename=f"qualitaetszirkel-{circle_id}.ics",
        private=not version.is_open,
        chunks=chunks,
    )


def personal_feed(user: User, now: datetime) -> Feed:
    """/kalender/privat/<token>.ics: the member's events, workshops and circles."""
    member: Member = user.member
    window = queries.Window.at(now)

    def chunks() -> list[bytes]:
        base_url = _base_url()
        found = []
        for registration in queries.personal_registrations(member.id, window):
            found.append(serialize(registration_component(registration, base_url=base_url)))
            found += [
                serialize(workshop_component(choice.workshop, base_url=base_url))
                for choice in _assigned(registration)
            ]
        return found + _circle_chunks(queries.member_circles(member.id), window)

    return Feed(
        key=("personal", user.id, member.id, member.full_name, _settings(window)),
        name=f"Meine Termine – {current_app.config['SITE_NAME']}",
        description=(
            f"Persönlicher Kalender für {member.full_name}: angemeldete Veranstaltungen, "
            "Workshops und Qualitätszirkel"
        ),
        version=queries.personal_version(member.id, window),
        filename="meine-termine.ics",
        private=True,
        chunks=chunks,
    )


def _assigned(registration: Registration):
    if registration.event.state != EventState.PUBLISHED:
        return []
    choices = [c for c in registration.workshop_choices if c.is_assigned]
    return sorted(choices, key=lambda c: (c.slot, c.workshop.title))
