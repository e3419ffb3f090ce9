"""Car page views, counted in memory and written in batches: a page view never waits for a write.

Each process keeps its own counter and flushes it every few seconds in one UPDATE; counts from the last seconds
before a crash are lost, which is acceptable for statistics.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import Counter

from flask import Flask

from .. import db

log = logging.getLogger("carsite")
MAX_PENDING = 100_000  # cars with unsaved counts kept while the database is unreachable


class ViewCounter:
    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self._pending: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._thread_pid: int | None = None
        self._stop = threading.Event()

    def record(self, car_id: int) -> None:
        with self._lock:
            if len(self._pending) < MAX_PENDING or car_id in self._pending:
                self._pending[car_id] += 1
            if self._thread_pid != os.getpid() and self.interval > 0:
                # started lazily, so each forked worker runs its own flusher
                self._thread_pid = os.getpid()
                threading.Thread(target=self._run, name="carsite-views", daemon=True).start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def flush(self) -> int:
        """Write the counts gathered so far; returns how many cars were updated."""
        with self._lock:
            batch, self._pending = self._pending, Counter()
        if not batch:
            return 0
        try:
            with self.app.app_context():
                return db.execute("cars.add_views", ids=list(batch), views=list(batch.values()))
        except db.DatabaseError as exc:
            log.warning("could not save %d car view counts yet: %s", len(batch), exc)
            with self._lock:
                for car_id, views in batch.items():
                    if len(self._pending) < MAX_PENDING or car_id in self._pending:
                        self._pending[car_id] += views
            return 0

    def close(self) -> None:
        self._stop.set()
        self.flush()


def init_app(app: Flask) -> None:
    counter = ViewCounter(app, float(app.config["VIEW_FLUSH_SECONDS"]))
    app.extensions["carsite.views"] = counter
    atexit.register(counter.close)
