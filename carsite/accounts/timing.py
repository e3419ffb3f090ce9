"""Answers that take a fixed minimum time, so their duration does not tell an account's existence apart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app


@contextmanager
def no_sooner_than_floor() -> Iterator[None]:
    """Run the block, then sleep until ANSWER_FLOOR_SECONDS (config.py) have passed since it began, also when
    it raises. The two branches already do the same kind of work; the floor hides what differs (a row or two)."""
    floor = float(current_app.config["ANSWER_FLOOR_SECONDS"])
    deadline = time.monotonic() + floor
    try:
        yield
    finally:
        time.sleep(max(0.0, deadline - time.monotonic()))
