"""`make bench`: Netzwerk under gunicorn and load, on SQLite and PostgreSQL.

Prints one table per engine and writes the same figures to bench/results/latest.json.
How to read them: bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from netzwerk_bench import report  # noqa: E402
from netzwerk_bench.load import choose_generator  # noqa: E402
from netzwerk_bench.runner import run_engine  # noqa: E402
from netzwerk_bench.server import cpu_description  # noqa: E402
from netzwerk_bench.settings import GUNICORN_THREADS, RESULTS_DIR, ROOT, make_settings  # noqa: E402

ENGINES = ("sqlite", "postgresql")
CHILD_RUN = "NETZWERK_BENCH_CHILD"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="kleiner Maßstab, kurze Läufe")
    parser.add_argument("--engine", choices=(*ENGINES, "all"), default="all")
    parser.add_argument("--scale", type=int, help="Maßstab der Demodaten (Vorgabe 100)")
    parser.add_argument("--small-scale", type=int, help="zweite Datengröße (Vorgabe 1)")
    parser.add_argument("--duration", type=float, help="Sekunden Last je Pfad")
    parser.add_argument("--connections", type=int, help="gleichzeitige Verbindungen (8)")
    parser.add_argument("--csv-rows", type=int)
    parser.add_argument("--list-recipients", type=int)
    parser.add_argument("--delivery-messages", type=int)
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--worker-class", choices=("gthread", "sync"), help="gunicorn (gthread)")
    parser.add_argument("--postgres-url", help="PostgreSQL-Server (sonst .ci/with-postgres)")
    parser.add_argument("--install-wrk", action="store_true", help="wrk per apt installieren")
    parser.add_argument("--keep-databases", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json")
    parser.add_argument("--workdir", type=Path)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.install_wrk:
        install_wrk()
    settings = make_settings(
        quick=args.quick,
        scale=args.scale,
        small_scale=args.small_scale,
        duration=args.duration,
        connections=args.connections,
        csv_rows=args.csv_rows,
        list_recipients=args.list_recipients,
        delivery_messages=args.delivery_messages,
        generator=args.generator,
        worker_class=args.worker_class,
        keep_databases=args.keep_databases or None,
        workdir=args.workdir,
    )
    generator = choose_generator(settings.generator)
    settings_line = (
        f"Last: {generator}, {settings.connections} Verbindungen, {settings.duration:g} s je Pfad; "
        f"gunicorn 1 Worker ({_workers(settings.worker_class)}) auf Kern 0"
    )
    results = {
        "meta": {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": cpu_description(),
            "python": platform.python_version(),
            "generator": generator,
            "settings": {k: str(v) for k, v in vars(settings).items()},
            "quick": args.quick,
        },
        "engines": {},
    }
    for engine in ENGINES if args.engine == "all" else (args.engine,):
        print(f"\n{report.ENGINE_NAMES[engine]}:", flush=True)
        result = measure_engine(engine, args, settings, generator)
        report.judge(result)
        results["engines"][engine] = result
        if not os.environ.get(CHILD_RUN):  # the parent prints the child's table
            print(report.table(result, settings_line), flush=True)
    report.write_json(results, args.output)
    print(f"Ergebnisse: {args.output}")
    return 0


def _workers(worker_class: str) -> str:
    return f"gthread, {GUNICORN_THREADS} Threads" if worker_class == "gthread" else worker_class


def measure_engine(engine: str, args, settings, generator: str) -> dict:
    if engine == "sqlite":
        return run_engine(engine, settings, generator, None)
    server_url = (
        args.postgres_url
        or os.environ.get("BENCH_POSTGRES_URL")
        or os.environ.get("TESTING_DATABASE_URL")
    )
    if server_url and server_url.startswith("postgres"):
        return run_engine(engine, settings, generator, server_url)
    if not any(Path("/usr/lib/postgresql").glob("*/bin/postgres")):
        return {"engine": engine, "missing": "kein PostgreSQL-Server (make system-deps)"}
    return _under_throwaway_postgres(args)


def _under_throwaway_postgres(args) -> dict:
    """Run this script again inside .ci/with-postgres, which starts and removes a server."""
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "postgresql.json"
        argv = [a for a in sys.argv[1:] if a != "--install-wrk"]
        argv = _without_option(argv, "--engine")
        argv = _without_option(argv, "--output")
        command = ["bash", str(ROOT / ".ci" / "with-postgres"), sys.executable, __file__,
                   *argv, "--engine", "postgresql", "--output", str(output)]  # fmt: skip
        env = {**os.environ, CHILD_RUN: "1"}
        done = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
        if done.returncode != 0 or not output.exists():
            return {"engine": "postgresql", "missing": "Lauf mit PostgreSQL schlug fehl"}
        return json.loads(output.read_text())["engines"]["postgresql"]


def _without_option(argv: list[str], option: str) -> list[str]:
    cleaned, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == option:
            skip = True
        elif not arg.startswith(option + "="):
            cleaned.append(arg)
    return cleaned


def install_wrk() -> None:
    """wrk from Debian, when missing and we may install (root)."""
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        print("wrk fehlt; ohne root wird der eingebaute Python-Lastgenerator verwendet.")
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)  # noqa: S607
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],  # noqa: S607
        env=env,
        check=True,
    )


if __name__ == "__main__":
    sys.exit(main())
