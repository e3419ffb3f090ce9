"""Keyset pagination: an opaque cursor over (created_at, id), stable while rows are added; no OFFSET scans."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from . import db
from .errors import BadRequest


def encode_cursor(row: dict[str, Any]) -> str:
    raw = f"{row['created_at'].isoformat()}|{row['id']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[datetime, int]:
    """Decode a cursor made by encode_cursor; BadRequest (naming ``cursor``) for anything else."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        created, row_id = raw.split("|")
        return datetime.fromisoformat(created), int(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("The cursor is not valid; start again from the first page.", field="cursor") from None


def keyset_page(query: str, cursor: str | None, size: int, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a query taking after_created_at / after_id / limit, and the cursor of the next page (or None)."""
    after_created_at, after_id = decode_cursor(cursor) if cursor else (None, None)
    rows = db.all(query, after_created_at=after_created_at, after_id=after_id, limit=size + 1, **params)
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return rows[:size], next_cursor
