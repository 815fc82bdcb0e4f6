"""The paths under load: what each requests, what answer it expects, which target applies.

A path whose route the app does not have (yet), or whose data the demo network lacks,
stays in the table as "fehlt" with the reason; nothing is measured in its place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask
from netzwerk_bench.fixtures import Fixtures
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    def line(self) -> str:
        """One line of the request file the wrk script (and the Python fallback) reads."""
        headers = "|".join(f"{name}: {value}" for name, value in self.headers.items())
        return f"{self.method}\t{self.path}\t{headers}\t{self.body}"


@dataclass(frozen=True)
class Target:
    """At least `ratio` of the bare route's throughput, or at least `rps` requests/s."""

    ratio: float | None = None
    rps: float | None = None
    engines: tuple[str, ...] = ("sqlite", "postgresql")

    def describe(self) -> str:
        if self.ratio is not None:
            return f"≥ {self.ratio:g} × Hello"
        return f"≥ {self.rps:g}/s"


@dataclass
class Scenario:
    key: str
    label: str
    requests: list[Request] = field(default_factory=list)
    expect: tuple[int, ...] = (200,)
    target: Target | None = None
    missing: str | None = None  # why it cannot be measured
    # Run once before the load and then answered from the first response (ETag -> 304).
    conditional_on: str | None = None

    @property
    def method(self) -> str:
        return self.requests[0].method if self.requests else "GET"

    @property
    def path(self) -> str:
        return self.requests[0].path if self.requests else ""


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Outlook, Google, Apple Calendar and Thunderbird ask for gzip when they poll a feed; the
# feeds answer compressed since 3 December (evening). "ohne gzip" measures the plain file.
CALENDAR_CLIENT = {"Accept-Encoding": "gzip"}
PAGE_TARGET = Target(ratio=0.5)


def build_scenarios(app: Flask, fx: Fixtures, prepared: int) -> list[Scenario]:
    coordinator = {"Cookie": fx.coordinator_cookie}
    scenarios = [
        _get("start", "Startseite", "/", target=PAGE_TARGET),
        _get("events", "Veranstaltungsliste", "/veranstaltungen/", target=PAGE_TARGET),
        _get(
            "event_detail",
            "Veranstaltung (Fachtag)",
            fx.fachtag_id and f"/veranstaltungen/{fx.fachtag_id}",
            target=PAGE_TARGET,
            missing="kein kommender Fachtag in den Demodaten",
        ),
        _get(
            "members",
            "Mitgliederliste mit Filtern",
            f"/verwaltung/mitglieder/?{fx.member_filters}",
            headers=coordinator,
        ),
        _get("coverage", "Abdeckung", "/verwaltung/abdeckung", headers=coordinator),
        _get(
            "feed",
            "Kalender /kalender.ics",
            "/kalender.ics",
            headers=CALENDAR_CLIENT,
            target=Target(ratio=0.6),
        ),
        _get("feed_plain", "Kalender, ohne gzip", "/kalender.ics"),
        Scenario(
            "feed_304",
            "Kalender, Antwort 304",
            [Request("GET", "/kalender.ics", CALENDAR_CLIENT)],
            expect=(304,),
            target=Target(ratio=0.8),
            conditional_on="feed",
        ),
        _get(
            "feed_personal",
            "Persönlicher Kalender",
            fx.feed_token and f"/kalender/privat/{fx.feed_token}.ics",
            headers=CALENDAR_CLIENT,
            missing="kein Kalender-Token",
        ),
        _get(
            "feed_group",
            "Kalender Berufsgruppe",
            f"/kalender/{fx.group_slug}.ics",
            headers=CALENDAR_CLIENT,
        ),
        _get(
            "feed_circle",
            "Kalender Qualitätszirkel",
            fx.circle_id and f"/kalender/qz/{fx.circle_id}.ics",
            headers=CALENDAR_CLIENT,
            missing="keine Qualitätszirkel in den Demodaten",
        ),
        _registration(fx, prepared),
        _vote(fx, prepared),
    ]
    for scenario in scenarios:
        if scenario.missing is None and not route_exists(app, scenario.method, scenario.path):
            scenario.missing = "Route fehlt"
    return scenarios


def get_scenarios(scenarios: list[Scenario]) -> list[Scenario]:
    """The pages whose statements per request are counted, each path once (the feed
    without gzip is the same page)."""
    counted, paths = [], set()
    for scenario in scenarios:
        page = scenario.method == "GET" and scenario.conditional_on is None
        if page and scenario.path not in paths:
            counted.append(scenario)
            paths.add(scenario.path)
    return counted


def _get(key, label, path, *, headers=None, target=None, missing="keine Daten") -> Scenario:
    if not path:
        return Scenario(key, label, target=target, missing=missing)
    return Scenario(key, label, [Request("GET", path, dict(headers or {}))], target=target)


def _registration(fx: Fixtures, prepared: int) -> Scenario:
    """Each request a member not yet registered for that event: round after round through
    the pool, one event per round."""
    target = Target(rps=300, engines=("sqlite",))
    if not fx.people or not fx.registration_events:
        return Scenario("register", "Anmeldung (POST)", target=target, missing="keine Personen")
    requests = []
    for n in range(min(prepared, len(fx.people) * len(fx.registration_events))):
        _, cookie = fx.people[n % len(fx.people)]
        event_id, _ = fx.registration_events[n // len(fx.people)]
        path = f"/veranstaltungen/{event_id}/anmelden"
        requests.append(Request("POST", path, {"Cookie": cookie, **FORM}))
    return Scenario("register", "Anmeldung (POST)", requests, expect=(302, 303), target=target)


def _vote(fx: Fixtures, prepared: int) -> Scenario:
    if not fx.people or not fx.vote_topic_ids:
        return Scenario("vote", "Themen-Abstimmung (POST)", missing="keine offenen Themen")
    requests = []
    for n in range(min(prepared, len(fx.people) * len(fx.vote_topic_ids))):
        _, cookie = fx.people[n % len(fx.people)]
        topic_id = fx.vote_topic_ids[n // len(fx.people)]
        path = f"/themen/{topic_id}/abstimmen"
        requests.append(Request("POST", path, {"Cookie": cookie, **FORM}))
    return Scenario("vote", "Themen-Abstimmung (POST)", requests, expect=(302, 303))


def route_exists(app: Flask, method: str, path: str) -> bool:
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path.split("?", 1)[0], method=method)
    except RequestRedirect:
        return True
    except (NotFound, MethodNotAllowed):
        return False
    return True
