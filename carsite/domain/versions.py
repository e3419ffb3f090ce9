"""Data versions: one counter per kind of public data (listings, catalogue), bumped by triggers in the same
transaction as each change (migrations/0029). What a process derives from that data is kept under the version it
was derived at, and HTTP validators are made from them; both cost this one read, at most once per unit of work.

Read the version before the data it stands for (``current()`` first): whatever is then kept under a version is
at least as new as that version, never older.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from datetime import UTC, datetime

from .. import db

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Versions:
    listings: int
    catalogue: int
    changed_at: datetime  # the latest change of either

    @property
    def tag(self) -> str:
        """Both numbers in one short token (for ETags)."""
        return f"{self.listings}.{self.catalogue}"


_held: contextvars.ContextVar[list[Versions] | None] = contextvars.ContextVar("carsite_versions", default=None)


def current() -> Versions:
    """The committed data versions: read once per unit of work (``start_unit``), or afresh outside one."""
    held = _held.get()
    if held:
        return held[0]
    rows = {row["name"]: row for row in db.all("versions.current")}
    # A row a DBA removed is 0 until the next change writes it again (bump_data_version inserts it).
    versions = Versions(
        listings=rows["listings"]["version"] if "listings" in rows else 0,
        catalogue=rows["catalogue"]["version"] if "catalogue" in rows else 0,
        changed_at=max((row["changed_at"] for row in rows.values()), default=EPOCH),
    )
    if held is not None:
        held.append(versions)
    return versions


def start_unit() -> None:
    """From now on in this context, ``current()`` reads the versions once and then answers from memory."""
    _held.set([])


def end_unit() -> None:
    _held.set(None)
