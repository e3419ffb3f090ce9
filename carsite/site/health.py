"""Readiness: is the database reachable, and is every migration this code knows applied unchanged?"""

from __future__ import annotations

from typing import Any

from .. import db
from ..db.migrate import Migration


def readiness(migrations: list[Migration]) -> tuple[dict[str, Any], bool]:
    """The /readyz body and whether the site is ready."""
    files = {m.version: m.checksum for m in migrations}
    try:
        applied = {r["version"]: r["checksum"] for r in db.all("health.applied_migrations")}
    except db.DatabaseUnavailable:
        return {"status": "unavailable", "database": "unreachable"}, False
    except db.QueryError:
        applied = {}  # no schema_migrations table yet: nothing applied
    pending = sorted(v for v in files if v not in applied)
    changed = sorted(v for v in files if v in applied and applied[v] != files[v])
    unknown = sorted(v for v in applied if v not in files)
    body: dict[str, Any] = {
        "status": "ready",
        "database": "ok",
        "migrations": {"applied": len(applied), "pending": pending, "changed": changed, "unknown": unknown},
    }
    if pending or changed or unknown:
        body["status"] = "migrations not current"
        return body, False
    return body, True
