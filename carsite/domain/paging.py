"""Keyset pagination: an opaque cursor over (created_at, id), stable while rows are added; no OFFSET scans."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from .. import db
from .errors import Invalid


def pack(*parts: object) -> str:
    """An opaque, URL-safe cursor holding the parts."""
    return base64.urlsafe_b64encode("|".join(map(str, parts)).encode()).decode().rstrip("=")


def unpack(value: str, count: int) -> list[str]:
    """The parts of a cursor made by pack; ValueError for anything else (bad base64, text or part count)."""
    parts = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode().split("|")
    if len(parts) != count:
        raise ValueError("wrong number of cursor parts")
    return parts


def keyset_cursor(row: dict[str, Any]) -> str:
    return pack(row["created_at"].isoformat(), row["id"])


def keyset_position(value: str) -> tuple[datetime, int]:
    """Decode a cursor made by keyset_cursor; Invalid (naming ``cursor``) for anything else."""
    try:
        created, row_id = unpack(value, 2)
        return datetime.fromisoformat(created), int(row_id)
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors too
        raise Invalid("The cursor is not valid; start again from the first page.", field="cursor") from None


def keyset_page(query: str, cursor: str | None, size: int, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a query taking after_created_at / after_id / limit, and the cursor of the next page (or None)."""
    after_created_at, after_id = keyset_position(cursor) if cursor else (None, None)
    rows = db.all(query, after_created_at=after_created_at, after_id=after_id, limit=size + 1, **params)
    next_cursor = keyset_cursor(rows[size - 1]) if len(rows) > size else None
    return rows[:size], next_cursor
