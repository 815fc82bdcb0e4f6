"""Load from a second process at fixed concurrency: wrk, or a small Python fallback.

Both read the same request file (one request per line, see scenarios.Request.line) and
report the same figures: requests per second, p50/p95/p99 latency, errors (connection
errors, timeouts and answers of 400 or above).
"""

from __future__ import annotations

import http.client
import itertools
import json
import math
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from netzwerk_bench.settings import LUA_SCRIPT, Settings

LOAD_CORE = 1  # the server runs on core 0


@dataclass
class LoadResult:
    generator: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def choose_generator(wanted: str) -> str:
    if wanted == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if wanted == "wrk" and not shutil.which("wrk"):
        raise RuntimeError("wrk ist nicht installiert (make bench installiert es als root).")
    return wanted


def pinned(command: list[str], core: int) -> list[str]:
    """Run on one core when taskset is there and the machine has more than one."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > core:
        return ["taskset", "-c", str(core), *command]
    return command


def run_load(generator: str, base_url: str, request_file: Path, settings: Settings) -> LoadResult:
    if generator == "wrk":
        return _wrk(base_url, request_file, settings)
    return python_load(base_url, request_file, settings.duration, settings.connections)


def _wrk(base_url: str, request_file: Path, settings: Settings) -> LoadResult:
    threads = min(settings.wrk_threads, settings.connections)
    command = pinned(
        [
            "wrk",
            f"--connections={settings.connections}",
            f"--threads={threads}",
            f"--duration={max(round(settings.duration), 1)}s",
            "--timeout=10s",
            f"--script={LUA_SCRIPT}",
            base_url,
            "--",
            str(request_file),
            str(threads),
        ],
        LOAD_CORE,
    )
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            figures = json.loads(line.removeprefix("BENCH_RESULT "))
            return LoadResult(
                generator="wrk",
                requests=figures["requests"],
                seconds=figures["duration_us"] / 1e6,
                p50_ms=figures["p50_us"] / 1000,
                p95_ms=figures["p95_us"] / 1000,
                p99_ms=figures["p99_us"] / 1000,
                mean_ms=figures["mean_us"] / 1000,
                max_ms=figures["max_us"] / 1000,
                errors={k: v for k, v in figures["errors"].items() if v},
            )
    raise RuntimeError(f"wrk lieferte kein Ergebnis:\n{done.stdout}\n{done.stderr}")


# --- the built-in fallback: threads and http.client -------------------------------------


def read_requests(request_file: Path) -> list[tuple[str, str, dict[str, str], bytes | None]]:
    requests = []
    for line in request_file.read_text().splitlines():
        method, path, headers, body = line.split("\t", 3)
        pairs = (pair.split(":", 1) for pair in headers.split("|") if pair)
        requests.append(
            (method, path, {k: v.strip() for k, v in pairs}, body.encode() if body else None)
        )
    return requests


def python_load(base_url: str, request_file: Path, duration: float, connections: int):
    """Fixed concurrency from threads in this process; enough to prove the script works
    and for a rough look where wrk is missing (it saturates near a few thousand per second)."""
    host, port = _host_port(base_url)
    requests = read_requests(request_file)
    counter = itertools.count()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def worker():
        connection = http.client.HTTPConnection(host, port, timeout=10)
        mine, failures = [], {}
        while time.perf_counter() < deadline:
            method, path, headers, body = requests[next(counter) % len(requests)]
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                failures["read"] = failures.get("read", 0) + 1
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
            if response.status >= 400:
                failures["status"] = failures.get("status", 0) + 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.close()
        with lock:
            latencies.extend(mine)
            for kind, n in failures.items():
                errors[kind] = errors.get(kind, 0) + n

    started = time.perf_counter()
    workers = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    count = len(latencies) + errors.get("read", 0)
    return LoadResult(
        generator="python",
        requests=count,
        seconds=elapsed,
        p50_ms=_percentile(latencies, 50),
        p95_ms=_percentile(latencies, 95),
        p99_ms=_percentile(latencies, 99),
        mean_ms=1000 * sum(latencies) / len(latencies) if latencies else 0.0,
        max_ms=1000 * latencies[-1] if latencies else 0.0,
        errors=errors,
    )


def _percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(math.ceil(percent / 100 * len(ordered)) - 1, 0))
    return 1000 * ordered[index]


def _host_port(base_url: str) -> tuple[str, int]:
    host, _, port = base_url.removeprefix("http://").rstrip("/").partition(":")
    return host, int(port or 80)


def fetch(base_url: str, method: str, path: str, headers=None, body: bytes | None = None):
    """One request: (status, headers, body, seconds)."""
    host, port = _host_port(base_url)
    connection = http.client.HTTPConnection(host, port, timeout=600)
    try:
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data, time.perf_counter() - started
    finally:
        connection.close()
