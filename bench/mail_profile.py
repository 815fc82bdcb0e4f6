"""Queueing a list message and delivering it, in one process and without the rest of the
benchmark: for profiling the two mail figures of `make bench` (see bench/README.md).

    .venv/bin/python bench/mail_profile.py --recipients 5000
    .venv/bin/python bench/mail_profile.py --profile queue   # or: deliver (pyinstrument)
    .venv/bin/python bench/mail_profile.py --url postgresql+psycopg://...
    bash .ci/with-postgres sh -c \
        '.venv/bin/python bench/mail_profile.py --url "$TESTING_DATABASE_URL"'

Times the operation the send route calls (`messages.send_now` plus the commit), then
`deliver_all` against a local aiosmtpd sink over one connection, as `flask mail send` does.
Beside the wall-clock times it reports CPU times, which other load on the machine distorts
far less: this process's, the sink's and, under .ci/with-postgres, the PostgreSQL server's.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from netzwerk_bench.database import BENCH_SECRET_KEY  # noqa: E402
from netzwerk_bench.server import free_port  # noqa: E402

from netzwerk import create_app  # noqa: E402
from netzwerk.db import db  # noqa: E402


@contextmanager
def profiled(enabled: bool):
    if not enabled:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))


def prepare(recipients: int) -> int:
    from netzwerk_bench.extras import list_with_subscribers

    from netzwerk.mailing import messages

    mailing_list = list_with_subscribers("profil", "Profil-Verteiler Grüße", recipients)
    message = messages.create_draft(
        mailing_list,
        author=None,
        subject="Einladung zum Netzwerktreffen",
        body="Liebe Kolleginnen und Kollegen,\n\nwir laden Sie herzlich zum nächsten "
        "**Netzwerktreffen** ein.\n\nViele Grüße\nIhre Koordinierungsstelle",
        greet_by_name=True,
        event_id=None,
    )
    db.session.commit()
    return message.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--url", help="database URL (default: a new SQLite file)")
    parser.add_argument("--profile", choices=("queue", "deliver"))
    parser.add_argument("--queue-only", action="store_true", help="stop after queueing")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="mail-profile-"))
    url = args.url or f"sqlite:///{workdir / 'mail.sqlite3'}"
    port = free_port()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": BENCH_SECRET_KEY,
            "SERVER_NAME": "netzwerk.test",
            "BASE_URL": "http://netzwerk.test",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "UPLOAD_FOLDER": str(workdir / "uploads"),
        }
    )
    from netzwerk.mailing import messages
    from netzwerk.mailing.delivery import deliver_all
    from netzwerk.mailing.models import ListMessage

    with app.app_context():
        db.drop_all()
        db.create_all()
        message_id = prepare(args.recipients)
        db.session.remove()

    # A POST, as the send route: on SQLite the transaction then takes the write lock first.
    with app.test_request_context(method="POST"):
        server = ServerCPU()
        started, cpu = time.perf_counter(), time.process_time()
        with profiled(args.profile == "queue"):
            copies = messages.send_now(db.session.get(ListMessage, message_id))
            db.session.commit()
        queue_seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        db.session.remove()
    print(f"queued {copies} copies in {queue_seconds:.3f} s (CPU {cpu:.3f} s{server.report()})")
    if args.queue_only:
        return

    # The sink runs in its own process, as in the benchmark: in this one it would compete
    # with the worker for the interpreter lock.
    sink = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
         "-l", f"127.0.0.1:{port}"],
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _wait_for(port)
    try:
        with app.app_context():
            server, smtp = ServerCPU(), ServerCPU([sink.pid])
            started, cpu = time.perf_counter(), time.process_time()
            with profiled(args.profile == "deliver"):
                sent, problems = deliver_all(args.batch_size)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            server_report, smtp_cpu = server.report(sent), smtp.seconds()
            db.drop_all()
            db.engine.dispose()
    finally:
        sink.terminate()
        sink.wait()
    per_message = 1000 / max(sent, 1)
    print(
        f"delivered {sent} ({problems} problems) in {seconds:.2f} s: {sent / seconds:.0f}/s, "
        f"worker CPU {cpu * per_message:.2f} ms a message{server_report}, "
        f"SMTP server {smtp_cpu * per_message:.2f} ms"
    )


class ServerCPU:
    """CPU time of other local processes since this object was made: by default the
    PostgreSQL server that .ci/with-postgres started (its PG_DATA), every backend included.
    On a shared machine wall-clock times mix in other people's load; CPU times do not."""

    def __init__(self, pids: list[int] | None = None):
        self.fixed = pids
        self.start = self._ticks()

    def _pids(self) -> list[int]:
        if self.fixed is not None:
            return self.fixed
        data = os.environ.get("PG_DATA")
        if not data or not Path(data, "postmaster.pid").exists():
            return []
        postmaster = int(Path(data, "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(stat.parent.name))
        return [postmaster, *children]

    def _ticks(self) -> dict[int, int]:
        ticks = {}
        for pid in self._pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
        return ticks

    def seconds(self) -> float:
        now = self._ticks()
        used = sum(t - self.start.get(pid, 0) for pid, t in now.items())
        return used / os.sysconf("SC_CLK_TCK")

    def report(self, per: int = 0) -> str:
        if self.fixed is None and not self.start:
            return ""
        if per:
            return f", PostgreSQL {self.seconds() * 1000 / per:.2f} ms"
        return f", PostgreSQL {self.seconds():.3f} s"


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)


if __name__ == "__main__":
    main()
