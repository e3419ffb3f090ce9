"""waitress, fitted for carsite: a lane of its own for /healthz, and each request stamped with its arrival time.

Both rest on waitress's public extension points: ``create_server(_dispatcher=...)`` and the server's
``channel_class`` (whose ``task_class`` builds the WSGI environ).

- A channel is handed to the dispatcher only when it has requests to serve and no task running (waitress calls
  ``add_task`` from ``received()`` when a channel's first request is complete, and from ``service()`` when one
  is done and more wait), so a channel is never served by two threads at once, whichever queue it goes to. When
  every pending request of the channel is ``GET /healthz`` (which touches no database), it goes to a separate
  small pool of threads instead of the main queue, so the supervisor's liveness check never waits behind
  threads that a slow database holds.
- Responses are held until 18,000 bytes are written (``send_bytes``, waitress 2's default; waitress 3 made it 1
  and deprecated it but still honours it) or the request is done: with 1, the status line and headers go out in
  one send() and the body in another. Measured with bench/load.py's method (CPU of the server per request, one
  process, keep-alive): /healthz 0.76-0.96 ms -> 0.41-0.45, API list 1.94-1.97 -> 1.67-1.77, car page 2.71-2.85
  -> 2.43-2.71. The other knobs measured no better than waitress's defaults (asyncore_use_poll, a request
  lookahead of 5, 2 or 4 threads instead of 8).
- The dispatcher stamps each request with ``time.monotonic()`` when it is queued; the WSGI task puts that in the
  environ (``carsite.received``), and the app counts its database budget from it (carsite/web).
"""

from __future__ import annotations

import socket
import time
import warnings
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ThreadedTaskDispatcher, WSGITask

from .web import RECEIVED_KEY

HEALTH_PATH = "/healthz"
HEALTH_THREADS = 1
SEND_BYTES = 18_000


class Dispatcher(ThreadedTaskDispatcher):
    """The main thread pool, plus an express lane for channels whose pending requests are all liveness checks."""

    def __init__(self, threads: int) -> None:
        super().__init__()
        self.set_thread_count(threads)
        self.express = ThreadedTaskDispatcher()
        self.express.set_thread_count(HEALTH_THREADS)

    def add_task(self, task: Any) -> None:
        # Called with the channel's requests_lock held (both call sites in waitress.channel), so the list is stable.
        requests = getattr(task, "requests", None) or ()
        now = time.monotonic()
        for request in requests:
            if getattr(request, "carsite_received", None) is None:
                request.carsite_received = now
        if requests and all(_is_health_check(r) for r in requests):
            self.express.add_task(task)
        else:
            super().add_task(task)

    def shutdown(self, cancel_pending: bool = True, timeout: int = 5) -> bool:
        express_done = self.express.shutdown(cancel_pending, timeout)
        return super().shutdown(cancel_pending, timeout) and express_done


def _is_health_check(request: Any) -> bool:
    return not request.error and request.command == "GET" and request.path == HEALTH_PATH


class Task(WSGITask):
    def get_environment(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environment()
        environ[RECEIVED_KEY] = getattr(self.request, "carsite_received", None)
        return environ


class Channel(HTTPChannel):
    task_class = Task


def serve(app: Any, sock: socket.socket, threads: int, **adjustments: Any) -> None:
    """Serve ``app`` on an already listening socket until the process is stopped."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "send_bytes will be removed", DeprecationWarning)
        server = create_server(
            app, sockets=[sock], threads=threads, send_bytes=SEND_BYTES, _dispatcher=Dispatcher(threads), **adjustments
        )
    server.channel_class = Channel
    server.run()
