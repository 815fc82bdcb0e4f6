"""The local SMTP server the delivery measurement sends to, run as a process of its own.

In the benchmark's process it shared the interpreter with everything the run holds (10,000
sessions, the results): its garbage collections and the GIL slowed the server down, and the
figure measured the harness as much as the outbox (246-462/s in runs of the same code; in a
process of its own, as `bench/mail_profile.py` has it, 540/s).

    python smtp_sink.py PORT   prints "ready"; when its standard input closes, it stops and
                               prints {"count": n, "first": t, "last": t} (time.monotonic,
                               which is the same clock in every process on Linux)
"""

from __future__ import annotations

import json
import logging
import sys
import time

from aiosmtpd.controller import Controller


class Arrivals:
    """Accepts every message and notes when the first and the last arrived."""

    def __init__(self):
        self.count = 0
        self.first: float | None = None
        self.last: float | None = None

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        if self.first is None:
            self.first = now
        self.last = now
        self.count += 1
        return "250 OK"


def main() -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    arrivals = Arrivals()
    controller = Controller(arrivals, hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # the benchmark closes it when the delivery has ended
    finally:
        controller.stop()
    print(json.dumps({"count": arrivals.count, "first": arrivals.first, "last": arrivals.last}))


if __name__ == "__main__":
    main()
