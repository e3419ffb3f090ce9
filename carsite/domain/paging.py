"""Keyset pagination: an opaque cursor over (created_at, id), stable while rows are added; no OFFSET scans.

Cursors are signed (HMAC-SHA256 with the app's SECRET_KEY, truncated to 96 bits), so a hand-made or tampered one
is refused before anything reads it; the values inside are still parsed strictly, to exactly the forms PostgreSQL's
casts accept, so a cursor signed with a rotated-out key or by an older release is a 400, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from datetime import datetime
from typing import Any

from flask import current_app

from .. import db
from .errors import Invalid

MAC_BYTES = 12
SALT = b"carsite.paging.cursor\0"
ID_MAX = 2**63 - 1
# What datetime.isoformat() writes for a timestamptz, and nothing else (no ISO week dates, no offset seconds).
TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}")
INTEGER = re.compile(r"-?[0-9]{1,19}")
INVALID = "The cursor is not valid; start again from the first page."


def _mac(data: bytes) -> bytes:
    key = str(current_app.secret_key or "").encode()
    return hmac.new(key, SALT + data, hashlib.sha256).digest()[:MAC_BYTES]


def pack(*parts: object) -> str:
    """An opaque, URL-safe, signed cursor holding the parts."""
    data = "|".join(map(str, parts)).encode()
    return base64.urlsafe_b64encode(_mac(data) + data).decode().rstrip("=")


def unpack(value: str, count: int) -> list[str]:
    """The parts of a cursor made by pack; ValueError for anything else (bad base64 or signature, text, count)."""
    if not value.isascii():
        raise ValueError("not a cursor")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except binascii.Error:
        raise ValueError("not base64") from None
    mac, data = raw[:MAC_BYTES], raw[MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(data)):
        raise ValueError("not signed by this site")
    parts = data.decode().split("|")
    if len(parts) != count:
        raise ValueError("wrong number of cursor parts")
    return parts


def timestamp(text: str) -> datetime:
    """A timestamptz as isoformat() writes it; ValueError for anything else."""
    if not TIMESTAMP.fullmatch(text):
        raise ValueError("not a timestamp")
    return datetime.fromisoformat(text)


def integer(text: str, low: int, high: int) -> int:
    """An ASCII decimal integer within [low, high]; ValueError otherwise (no '1_0', no non-ASCII digits)."""
    if not INTEGER.fullmatch(text) or not low <= int(text) <= high:
        raise ValueError("not an integer in range")
    return int(text)


def row_id(text: str) -> int:
    return integer(text, 1, ID_MAX)


def keyset_cursor(row: dict[str, Any]) -> str:
    return pack(row["created_at"].isoformat(), row["id"])


def keyset_position(value: str) -> tuple[datetime, int]:
    """Decode a cursor made by keyset_cursor; Invalid (naming ``cursor``) for anything else."""
    try:
        created, after_id = unpack(value, 2)
        return timestamp(created), row_id(after_id)
    except ValueError:  # UnicodeDecodeError is a ValueError too
        raise Invalid(INVALID, field="cursor") from None


def keyset_page(query: str, cursor: str | None, size: int, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a query taking after_created_at / after_id / limit, and the cursor of the next page (or None)."""
    after_created_at, after_id = keyset_position(cursor) if cursor else (None, None)
    rows = db.all(query, after_created_at=after_created_at, after_id=after_id, limit=size + 1, **params)
    next_cursor = keyset_cursor(rows[size - 1]) if len(rows) > size else None
    return rows[:size], next_cursor
