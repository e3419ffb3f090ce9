"""Values derived from public data (counts by make, facet counts, the catalogue's spellings), kept per process under
the data version they were derived at (carsite.domain.versions): a request is served a kept value only when it read
that same version, so nothing is staler than the request's own reading of the versions. One store per app (a test
app's database is its own), bounded, least recently used out first, safe across waitress's threads."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")
_created = threading.Lock()


class Kept:
    """A bounded LRU of values by (version, key). Computed outside the lock: two threads missing at once both compute
    (the same answer), and nobody waits behind a query."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[tuple[int, Hashable], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: int, key: Hashable, compute: Callable[[], T]) -> T:
        """The value kept for ``key`` at ``version``, computed now if none is (read the version before calling)."""
        entry = (version, key)
        with self._lock:
            if entry in self._values:
                self._values.move_to_end(entry)
                return self._values[entry]
        value = compute()
        with self._lock:
            self._values[entry] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value


def store(name: str, size: int) -> Kept:
    """The app's store called ``name`` (made on first use, with room for ``size`` values)."""
    stores: dict[str, Kept] = current_app.extensions.setdefault("carsite.kept", {})
    kept = stores.get(name)
    if kept is None:
        with _created:
            kept = stores.setdefault(name, Kept(size))
    return kept
