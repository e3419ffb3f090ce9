"""A tiny threaded SMTP server for tests: enough of RFC 5321 for smtplib (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT), recording every message it accepts, and refusing the first ``refuse`` messages with ``refuse_code`` (451:
try again later; 550: refused for good) so retries can be tested against a real socket. ``refuse_at`` says where:
at the end of DATA (smtplib.SMTPDataError, the default), at RCPT (SMTPRecipientsRefused) or at MAIL
(SMTPSenderRefused).

``stall=n``: the first n messages stall once their data is in, before the server answers, until ``release()``: the
client is mid-delivery (``wait_stalled()`` says when). A stalled message whose client went away meanwhile (a worker
killed) is not accepted: it is counted in ``dropped``, never in ``messages``.

    with SMTPServer(refuse=2) as server:
        app.config.update(MAIL_SERVER=server.host, MAIL_PORT=server.port, MAIL_STARTTLS=False)
        ...
        server.messages  # [Received(...)], in arrival order
"""

from __future__ import annotations

import email
import email.policy
import socket
import socketserver
import threading
import time
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
    refuse_at: str = "data"
    stall: int = 0
    messages: list[Received] = field(default_factory=list)
    dropped: list[Received] = field(default_factory=list)
    refused: int = 0
    stalled: int = 0  # messages that stalled so far
    held: int = 0  # stalled messages not yet accepted or dropped
    lock: threading.Lock = field(default_factory=threading.Lock)
    stalling: threading.Event = field(default_factory=threading.Event)  # a message is held, waiting for release
    released: threading.Event = field(default_factory=threading.Event)

    def refusal(self, stage: str) -> str | None:
        """The refusal reply for this message at ``stage`` (counting it), or None when it is not refused."""
        with self.lock:
            if stage != self.refuse_at or self.refused >= self.refuse:
                return None
            self.refused += 1
            code = self.refuse_code
            text = "try again later" if code < 500 else "refused"
            return f"{code} {'4.3.0' if code < 500 else '5.7.1'} {text} ({self.refused})"


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
                refusal = state.refusal("mail")
                if refusal:
                    self.reply(refusal)
                    continue
                sender, recipients = _address(line), []
                self.reply("250 OK")
            elif verb == "RCPT":
                if sender is None:
                    self.reply("503 MAIL first")
                    continue
                refusal = state.refusal("rcpt")
                if refusal:
                    self.reply(refusal)
                    continue
                recipients.append(_address(line))
                self.reply("250 OK")
            elif verb == "DATA":
                if not recipients:
                    self.reply("503 RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = self._read_data()
                received = Received(sender or "", recipients, data)
                sender, recipients = None, []
                with state.lock:
                    stall = state.stalled < state.stall
                    if stall:
                        state.stalled += 1
                        state.held += 1
                if stall:
                    state.stalling.set()
                    state.released.wait()
                try:
                    if stall and not self._client_connected():
                        with state.lock:
                            state.dropped.append(received)
                        return
                    refusal = state.refusal("data")
                    if refusal:
                        self.reply(refusal)
                    else:
                        with state.lock:
                            state.messages.append(received)
                            count = len(state.messages)
                        self.reply(f"250 OK queued as {count}")
                finally:
                    if stall:
                        with state.lock:
                            state.held -= 1
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

    def _client_connected(self) -> bool:
        """Whether the client is still there: a closed connection reads as end of file (or a reset)."""
        sock = self.connection
        sock.setblocking(False)
        try:
            return sock.recv(1, socket.MSG_PEEK) != b""
        except BlockingIOError:
            return True  # nothing to read yet: connected
        except OSError:
            return False
        finally:
            sock.setblocking(True)

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

    def __init__(self, *, refuse: int = 0, refuse_code: int = 451, refuse_at: str = "data", stall: int = 0) -> None:
        if refuse_at not in ("mail", "rcpt", "data"):
            raise ValueError(f"refuse_at is mail, rcpt or data, not {refuse_at!r}")
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State(refuse=refuse, refuse_code=refuse_code, refuse_at=refuse_at, stall=stall)
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-smtp", daemon=True)

    @property
    def messages(self) -> list[Received]:
        with self._server.state.lock:
            return list(self._server.state.messages)

    @property
    def dropped(self) -> list[Received]:
        """Stalled messages whose client went away before the server answered: never accepted."""
        with self._server.state.lock:
            return list(self._server.state.dropped)

    @property
    def refused(self) -> int:
        return self._server.state.refused

    def wait_stalled(self, timeout: float) -> bool:
        """Wait until a message stalls (its client waits for the answer to DATA); whether one did in time."""
        return self._server.state.stalling.wait(timeout)

    def release(self, timeout: float = 10.0) -> None:
        """Let stalled messages go on (and those still to come pass without stalling); wait until every message
        that stalled is accepted or, its client gone, dropped."""
        state = self._server.state
        with state.lock:
            state.stall = state.stalled  # no more stalls
        state.released.set()
        deadline = time.monotonic() + timeout
        while state.held:
            assert time.monotonic() < deadline, "a stalled message was neither accepted nor dropped"
            time.sleep(0.01)

    def __enter__(self) -> SMTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.state.released.set()  # no handler thread stays stalled
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
