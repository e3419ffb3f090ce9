"""Home page and the operators' endpoints: /healthz (process alive) and /readyz (database and migrations)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from werkzeug.wrappers import Response

from . import db
from .access import public
from .search import Search, run

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index() -> str:
    """The home page: search box, newest cars, browse by make."""
    newest = run(Search(limit=8)).cars
    makes = db.all("cars.makes_with_counts")
    return render_template("home.html", newest=newest, makes=makes)


@bp.get("/healthz")
@public
def healthz() -> Response:
    """Liveness: the process answers. Touches no database."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    """Readiness: 200 when the database answers and every migration is applied unchanged, else 503."""
    files = {m.version: m.checksum for m in current_app.extensions["carsite.migrations"]}
    try:
        applied = {r["version"]: r["checksum"] for r in db.all("health.applied_migrations")}
    except db.DatabaseUnavailable:
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    except db.QueryError:
        applied = {}  # no schema_migrations table yet: nothing applied
    pending = sorted(v for v in files if v not in applied)
    changed = sorted(v for v in files if v in applied and applied[v] != files[v])
    unknown = sorted(v for v in applied if v not in files)
    body = {
        "status": "ready",
        "database": "ok",
        "migrations": {"applied": len(applied), "pending": pending, "changed": changed, "unknown": unknown},
    }
    if pending or changed or unknown:
        body["status"] = "migrations not current"
        return jsonify(body), 503
    return jsonify(body), 200
