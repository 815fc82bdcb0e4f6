"""How big and how long: the full benchmark, the --quick look, and the fixed server settings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
LUA_SCRIPT = BENCH_DIR / "wrk" / "requests.lua"

# One gunicorn worker (comparable across machines) with threads: keep-alive connections
# like a browser's or a calendar program's, and requests really run side by side (which
# the registration's no-overbooking guarantee is about). The bare "hello" route runs under
# exactly the same settings.
WORKER_CLASS = "gthread"
GUNICORN_THREADS = 4


def gunicorn_args(worker_class: str = WORKER_CLASS) -> tuple[str, ...]:
    threads = (f"--threads={GUNICORN_THREADS}",) if worker_class == "gthread" else ()
    return (
        "--workers=1",
        f"--worker-class={worker_class}",
        *threads,
        "--keep-alive=5",
        "--timeout=600",
        "--graceful-timeout=5",
        "--log-level=warning",
    )


@dataclass(frozen=True)
class Settings:
    scale: int = 100  # about 10,000 members, 3,000 events, 100,000 registrations
    small_scale: int = 1  # the second data size for the statement counts
    duration: float = 10.0  # seconds of load per path
    connections: int = 8
    wrk_threads: int = 1
    warmup_requests: int = 20
    list_recipients: int = 5000
    delivery_messages: int = 5000
    csv_rows: int = 10_000
    generator: str = "auto"  # "wrk", "python" (the built-in fallback) or "auto"
    worker_class: str = WORKER_CLASS
    keep_databases: bool = False
    workdir: Path = RESULTS_DIR / "work"

    @property
    def prepared_requests(self) -> int:
        """Fresh people per POST path: enough for about 2,000 requests per second."""
        return max(int(self.duration * 2000), 200)


QUICK = {
    "scale": 5,
    "duration": 3.0,
    "warmup_requests": 10,
    "list_recipients": 200,
    "delivery_messages": 200,
    "csv_rows": 500,
}


def make_settings(*, quick: bool, **overrides) -> Settings:
    settings = Settings(**QUICK) if quick else Settings()
    return replace(settings, **{k: v for k, v in overrides.items() if v is not None})
