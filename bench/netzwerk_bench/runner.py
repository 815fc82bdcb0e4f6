"""One engine's run: build, count statements, serve, load every path, the extra measurements."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

from netzwerk_bench import extras
from netzwerk_bench.database import Database, app_environment, build, drop_database, fresh_database
from netzwerk_bench.fixtures import Fixtures, bench_app, prepare
from netzwerk_bench.load import fetch, run_load
from netzwerk_bench.scenarios import Scenario, build_scenarios, get_scenarios
from netzwerk_bench.server import Gunicorn
from netzwerk_bench.settings import Settings
from netzwerk_bench.statements import count_statements
from sqlalchemy import func, select

from netzwerk.db import db

FEED_PATH = "/kalender.ics"


_STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"  {time.perf_counter() - _STARTED:6.1f} s  {message}", flush=True)


def run_engine(engine: str, settings: Settings, generator: str, server_url: str | None) -> dict:
    settings.workdir.mkdir(parents=True, exist_ok=True)
    log = settings.workdir / f"gunicorn-{engine}.log"
    log.unlink(missing_ok=True)
    result: dict = {"engine": engine}
    small = fresh_database(engine, "klein", settings.workdir, server_url)
    full = fresh_database(engine, "voll", settings.workdir, server_url)
    try:
        say(f"Demodaten, Maßstab {settings.small_scale} und {settings.scale}")
        build((small, settings.small_scale), (full, settings.scale))
        result["data"] = {
            "small": {"scale": settings.small_scale, "counts": small.counts},
            "full": {"scale": settings.scale, "counts": full.counts, "seconds": full.build_seconds},
        }
        small_app, full_app = bench_app(small), bench_app(full)
        say("Sitzungen und Testdaten für die Last")
        small_fx = prepare(small_app)
        full_fx = prepare(full_app, fresh_requests=settings.prepared_requests)
        scenarios = build_scenarios(full_app, full_fx, settings.prepared_requests)
        say("Anweisungen je Seite, zwei Datengrößen")
        result["statements"] = _statements(
            count_statements(small_app, get_scenarios(build_scenarios(small_app, small_fx, 0))),
            count_statements(full_app, get_scenarios(scenarios)),
        )
        if not settings.keep_databases:
            drop_database(small)
        env = app_environment(full)
        say("Hello-Route (Vergleichsmaß)")
        # Both start together (only one is under load at a time): one wait, not two.
        with Gunicorn.netzwerk(env, log, settings.worker_class) as server:
            with Gunicorn.hello(env, log, settings.worker_class) as hello:
                hello.wait_until_ready()
                server.wait_until_ready()
                result["bare"] = _measure_bare(hello.base_url, settings, generator)
            result["feed_cold_ms"] = _feed_cold_ms(server.base_url)
            result["paths"] = [
                _measure(server.base_url, scenario, settings, generator, full_app, full_fx)
                for scenario in scenarios
            ]
            result["memory_after_load_kb"] = server.worker_memory_kb()
            result["extras"] = _extras(full_app, full, server.base_url, full_fx, settings)
            result["memory_end_kb"] = server.worker_memory_kb()
    finally:
        if not settings.keep_databases:
            drop_database(small)
            drop_database(full)
    return result


def _statements(small: dict, full: dict) -> dict:
    figures = {}
    for key in full:
        small_status = small.get(key, {}).get("status")
        figures[key] = {
            "small": small.get(key, {}).get("statements"),
            "full": full[key]["statements"],
            "status": full[key]["status"] if small_status == 200 else small_status,
        }
        figures[key]["equal"] = figures[key]["small"] == figures[key]["full"]
    return figures


def _request_file(settings: Settings, key: str, lines: list[str]) -> Path:
    path = settings.workdir / f"requests-{key}.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _measure_bare(base_url: str, settings: Settings, generator: str) -> dict:
    for _ in range(settings.warmup_requests):
        fetch(base_url, "GET", "/")
    request_file = _request_file(settings, "hello", ["GET\t/\t\t"])
    return asdict(run_load(generator, base_url, request_file, settings))


def _feed_cold_ms(base_url: str) -> float | None:
    """The first request for the full public feed: built, not served from a cache. A page
    first, so that module imports and template loading do not count."""
    fetch(base_url, "GET", "/")
    status, _, _, seconds = fetch(base_url, "GET", FEED_PATH)
    return 1000 * seconds if status == 200 else None


def _measure(base_url, scenario: Scenario, settings, generator, app, fx: Fixtures) -> dict:
    figures = {"key": scenario.key, "label": scenario.label, "method": scenario.method,
               "path": scenario.path.split("?")[0]}  # fmt: skip
    if scenario.target:
        figures["target"] = {"describe": scenario.target.describe(), **asdict(scenario.target)}
    if scenario.missing:
        return {**figures, "missing": scenario.missing}
    say(scenario.label)
    requests = list(scenario.requests)
    probe = requests.pop(0) if scenario.method == "POST" else requests[0]
    headers = dict(probe.headers)
    if scenario.conditional_on:
        _, first_headers, _, _ = fetch(base_url, "GET", probe.path, headers)
        etag = {k.lower(): v for k, v in first_headers.items()}.get("etag")
        if etag is None:
            return {**figures, "missing": "keine ETag-Antwort"}
        headers["If-None-Match"] = etag
        requests = [type(probe)(probe.method, probe.path, headers, probe.body)]
    status, *_ = fetch(base_url, probe.method, probe.path, headers, probe.body.encode() or None)
    if status not in scenario.expect:
        return {**figures, "failed": f"Antwort {status} statt {scenario.expect[0]}"}
    if scenario.method == "GET":
        for _ in range(settings.warmup_requests):
            fetch(base_url, "GET", probe.path, headers)
    before = _written(app, scenario.key, fx)
    request_file = _request_file(settings, scenario.key, [r.line() for r in requests])
    load = run_load(generator, base_url, request_file, settings)
    figures.update(asdict(load), rps=load.rps)
    if scenario.method == "POST":
        figures["prepared"] = len(requests)
        figures["written"] = _written(app, scenario.key, fx) - before
        if scenario.key == "register":
            figures["overbooked"] = _overbooked(app, fx)
    return figures


def _written(app, key: str, fx: Fixtures) -> int:
    """Rows the POST path has written so far: registrations or votes."""
    if key not in ("register", "vote"):
        return 0
    with app.app_context():
        if key == "register":
            from netzwerk.events.models import Registration

            query = select(func.count()).where(
                Registration.event_id.in_([event_id for event_id, _ in fx.registration_events])
            )
        else:
            from netzwerk.topics.models import TopicVote

            query = select(func.count()).select_from(TopicVote)
        count = db.session.execute(query).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return count


def _overbooked(app, fx: Fixtures) -> int:
    """Confirmed places beyond capacity, summed over the registration events."""
    from netzwerk.events.models import Registration, RegistrationState

    with app.app_context():
        confirmed = dict(
            db.session.execute(
                select(Registration.event_id, func.count())
                .where(
                    Registration.event_id.in_([event_id for event_id, _ in fx.registration_events]),
                    Registration.state == RegistrationState.CONFIRMED,
                )
                .group_by(Registration.event_id)
            ).all()
        )
        db.session.remove()
        db.engine.dispose()
    return sum(max(confirmed.get(e, 0) - capacity, 0) for e, capacity in fx.registration_events)


def _extras(app, database: Database, base_url: str, fx: Fixtures, settings: Settings) -> dict:
    say(f"Verteiler-Nachricht an {settings.list_recipients} Empfänger einreihen")
    queued = extras.queue_list_message(
        app, base_url, fx.coordinator_cookie, settings.list_recipients
    )
    say("Postausgang an einen lokalen SMTP-Server zustellen")
    started = time.perf_counter()
    delivery = extras.deliver_outbox(app, database, settings.delivery_messages)
    delivery["wall_seconds"] = time.perf_counter() - started
    say(f"CSV-Import von {settings.csv_rows} Mitgliedern")
    imported = extras.import_members_csv(app, base_url, fx.coordinator_cookie, settings.csv_rows)
    return {"list_queue": queued, "delivery": delivery, "csv_import": imported}
