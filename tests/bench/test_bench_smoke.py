"""The benchmark script runs end to end at a tiny size, so that `make bench` cannot rot.

The benchmark itself is not a test; this only proves that every step works: the data,
the server, the load (wrk, or the built-in Python generator where wrk is missing), the
extra measurements and the JSON.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_quick_benchmark(tmp_path: Path) -> tuple[str, dict, str]:
    server_url = os.environ.get("TESTING_DATABASE_URL", "")
    engine = "postgresql" if server_url.startswith("postgresql") else "sqlite"
    output = tmp_path / "latest.json"
    command = [
        sys.executable,
        str(ROOT / "bench" / "run.py"),
        "--quick",
        f"--engine={engine}",
        "--scale=2",
        "--duration=1",
        "--csv-rows=20",
        "--list-recipients=20",
        "--delivery-messages=20",
        f"--output={output}",
        f"--workdir={tmp_path / 'work'}",
    ]
    if engine == "postgresql":
        command.append(f"--postgres-url={server_url}")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return engine, json.loads(output.read_text())["engines"][engine], done.stdout


def test_quick_benchmark_measures_every_path_and_writes_the_figures(tmp_path):
    engine, result, printed = run_quick_benchmark(tmp_path)

    assert result["bare_rps"] > 0
    assert "Hello (Flask, nackt)" in printed and "Ergebnisse:" in printed
    measured = [p for p in result["paths"] if "rps" in p]
    assert {p["key"] for p in measured} >= {"start", "events", "event_detail", "register"}
    for path in result["paths"]:
        assert "rps" in path or path.get("missing"), path
        if "rps" in path:
            assert path["requests"] > 0 and path["errors"] == {}, path
            assert path["ratio"] > 0 and path["p50_ms"] <= path["p99_ms"], path
            assert path["label"] in printed

    registration = next(p for p in result["paths"] if p["key"] == "register")
    assert registration["written"] > 0
    assert registration["overbooked"] == 0

    assert result["statements"]["start"]["full"] > 0
    assert all(s["status"] == 200 for s in result["statements"].values())
    extras = result["extras"]
    assert extras["csv_import"]["ok"], extras["csv_import"]
    assert extras["delivery"]["ok"], extras["delivery"]
    assert extras["list_queue"].get("ok", "missing" in extras["list_queue"])
    assert result["memory_after_load_kb"]["VmHWM"] > 0
