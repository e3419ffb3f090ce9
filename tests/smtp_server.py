"""A tiny threaded SMTP server for tests: enough of RFC 5321 for smtplib (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT), recording every message it accepts, and refusing the first ``refuse`` messages at the end of DATA with
``refuse_code`` (451: try again later; 550: refused for good) so retries can be tested against a real socket.

    with SMTPServer(refuse=2) as server:
        app.config.update(MAIL_SERVER=server.host, MAIL_PORT=server.port, MAIL_STARTTLS=False)
        ...
        server.messages  # [Received(...)], in arrival order
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, _class=EmailMessage, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class _State:
    refuse: int = 0
    refuse_code: int = 451
    messages: list[Received] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        state = self.server.state
        self.reply("220 test-smtp ready")
        sender: str | None = None
        recipients: list[str] = []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-test-smtp\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n")
                self.wfile.flush()
            elif verb == "HELO":
                self.reply("250 test-smtp")
            elif verb == "MAIL":
                sender, recipients = _address(line), []
                self.reply("250 OK")
            elif verb == "RCPT":
                if sender is None:
                    self.reply("503 MAIL first")
                    continue
                recipients.append(_address(line))
                self.reply("250 OK")
            elif verb == "DATA":
                if not recipients:
                    self.reply("503 RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = self._read_data()
                with state.lock:
                    if state.refused < state.refuse:
                        state.refused += 1
                        code = state.refuse_code
                        text = "try again later" if code < 500 else "refused"
                        self.reply(f"{code} {'4.3.0' if code < 500 else '5.7.1'} {text} ({state.refused})")
                    else:
                        state.messages.append(Received(sender or "", recipients, data))
                        self.reply(f"250 OK queued as {len(state.messages)}")
                sender, recipients = None, []
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def _read_data(self) -> bytes:
        lines: list[bytes] = []
        while True:
            raw = self.rfile.readline(1 << 20)
            if not raw or raw in (b".\r\n", b".\n"):
                break
            lines.append(raw[1:] if raw.startswith(b"..") else raw)  # undo dot-stuffing
        return b"".join(lines)


def _address(line: str) -> str:
    start, end = line.find("<"), line.find(">")
    return line[start + 1 : end] if 0 <= start < end else line.split(":", 1)[-1].strip()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: _State


class SMTPServer:
    """The server on 127.0.0.1 and a free port, served by a thread while the ``with`` block runs."""

    def __init__(self, *, refuse: int = 0, refuse_code: int = 451) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State(refuse=refuse, refuse_code=refuse_code)
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-smtp", daemon=True)

    @property
    def messages(self) -> list[Received]:
        with self._server.state.lock:
            return list(self._server.state.messages)

    @property
    def refused(self) -> int:
        return self._server.state.refused

    def __enter__(self) -> SMTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
