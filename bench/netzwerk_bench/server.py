"""gunicorn with one worker, pinned to core 0: the app or the bare "hello" route."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from netzwerk_bench.load import fetch, pinned
from netzwerk_bench.settings import BENCH_DIR, ROOT, WORKER_CLASS, gunicorn_args

SERVER_CORE = 0
START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, app_spec, *, env, cwd: Path, probe: str, log: Path, worker_class: str):
        self.app_spec, self.env, self.cwd, self.probe, self.log = app_spec, env, cwd, probe, log
        self.worker_class = worker_class
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.ready = False

    @classmethod
    def netzwerk(cls, env: dict[str, str], log: Path, worker_class=WORKER_CLASS) -> Gunicorn:
        return cls(
            "netzwerk:create_app()",
            env=env,
            cwd=ROOT,
            probe="/healthz",
            log=log,
            worker_class=worker_class,
        )

    @classmethod
    def hello(cls, env: dict[str, str], log: Path, worker_class=WORKER_CLASS) -> Gunicorn:
        return cls("hello:app", env=env, cwd=BENCH_DIR, probe="/", log=log,
                   worker_class=worker_class)  # fmt: skip

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        command = pinned(
            [
                sys.executable,
                "-m",
                "gunicorn",
                *gunicorn_args(self.worker_class),
                f"--bind=127.0.0.1:{self.port}",
                self.app_spec,
            ],
            SERVER_CORE,
        )
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            # The quick shutdown: the figures are taken, nothing needs to finish.
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def wait_until_ready(self) -> None:
        if self.ready:
            return
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn endete beim Start; siehe {self.log}")
            try:
                status, *_ = fetch(self.base_url, "GET", self.probe)
            except OSError:
                time.sleep(0.1)
                continue
            if status == 200:
                self.ready = True
                return
            raise RuntimeError(f"{self.probe} antwortet {status}; siehe {self.log}")
        raise RuntimeError(f"gunicorn antwortet nicht nach {START_TIMEOUT} s; siehe {self.log}")

    def worker_pid(self) -> int | None:
        """The one worker: the child of gunicorn's master (taskset execs, same pid)."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                return int(entry.name)
        return None

    def worker_memory_kb(self) -> dict[str, int]:
        """The worker's resident memory now (VmRSS) and at its peak (VmHWM), in kB."""
        pid = self.worker_pid()
        if pid is None:
            return {}
        memory = {}
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                memory[key] = int(value.split()[0])
        return memory


def cpu_description() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} Kerne"
    except OSError:
        pass
    return f"{os.cpu_count()} Kerne"
