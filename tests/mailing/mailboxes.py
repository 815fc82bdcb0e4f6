"""Tiny POP3 and IMAP servers in the test process, speaking just enough of each protocol
for poplib and imaplib to read a mailbox, mark mails read and delete them."""

from __future__ import annotations

import re
import socketserver
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

USER, PASSWORD = "postfach", "geheim"


@dataclass
class Mailbox:
    mails: list[bytes]
    seen: set[int] = field(default_factory=set)  # 1-based numbers
    deleted: set[int] = field(default_factory=set)

    def remaining(self) -> list[bytes]:
        return [m for i, m in enumerate(self.mails, 1) if i not in self.deleted]


class _POP3Handler(socketserver.StreamRequestHandler):
    def send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        box: Mailbox = self.server.mailbox
        marked: set[int] = set()
        user = None
        self.send("+OK POP3 bereit")
        for raw in self.rfile:
            command, _, arg = raw.decode().strip().partition(" ")
            command = command.upper()
            if command == "USER":
                user = arg
                self.send("+OK")
            elif command == "PASS":
                if (user, arg) != (USER, PASSWORD):
                    self.send("-ERR falsches Passwort")
                    return
                self.send("+OK angemeldet")
            elif command == "STAT":
                self.send(f"+OK {len(box.mails)} {sum(len(m) for m in box.mails)}")
            elif command == "RETR":
                self.send("+OK")
                for line in box.mails[int(arg) - 1].splitlines():
                    self.wfile.write((b"." + line if line.startswith(b".") else line) + b"\r\n")
                self.send(".")
            elif command == "DELE":
                marked.add(int(arg))
                self.send("+OK")
            elif command == "QUIT":
                box.deleted |= marked  # deletions take effect only on QUIT, as in POP3
                self.send("+OK")
                return
            else:
                self.send("-ERR unbekannt")


class _IMAPHandler(socketserver.StreamRequestHandler):
    def send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        box: Mailbox = self.server.mailbox
        self.send("* OK [CAPABILITY IMAP4rev1] IMAP bereit")
        for raw in self.rfile:
            tag, _, rest = raw.decode().strip().partition(" ")
            command, _, arg = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
            elif command == "LOGIN":
                if arg.replace('"', "").split() != [USER, PASSWORD]:
                    self.send(f"{tag} NO falsches Passwort")
                    continue
            elif command == "SELECT":
                self.send(f"* {len(box.mails)} EXISTS")
                self.send(f"{tag} OK [READ-WRITE] SELECT erledigt")
                continue
            elif command == "SEARCH":
                unseen = [str(i) for i in range(1, len(box.mails) + 1) if i not in box.seen]
                self.send("* SEARCH " + " ".join(unseen))
            elif command == "FETCH":
                number = int(arg.split()[0])
                mail = box.mails[number - 1]
                self.wfile.write(f"* {number} FETCH (BODY[] {{{len(mail)}}}\r\n".encode())
                self.wfile.write(mail + b")\r\n")
            elif command == "STORE":
                number = int(arg.split()[0])
                if re.search(r"\+FLAGS.*\\Seen", arg):
                    box.seen.add(number)
                self.send(f"* {number} FETCH (FLAGS (\\Seen))")
            elif command == "LOGOUT":
                self.send("* BYE")
                self.send(f"{tag} OK")
                return
            else:
                self.send(f"{tag} BAD unbekannt")
                continue
            self.send(f"{tag} OK erledigt")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def serve(protocol: str, mails: list[bytes]):
    """A mailbox holding `mails`, served over POP3 or IMAP on a free local port."""
    handler = _POP3Handler if protocol == "pop3" else _IMAPHandler
    server = _Server(("127.0.0.1", 0), handler)
    server.mailbox = Mailbox(list(mails))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.mailbox, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
