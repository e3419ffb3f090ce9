"""Home page and the operators' endpoints: /healthz (process alive) and /readyz (database and migrations)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template
from werkzeug.wrappers import Response

from . import db
from .access import public, visitor_id
from .cars import session_ids
from .search import Search, run

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index() -> str:
    """The home page: search box, newest cars, browse by make."""
    user_id = visitor_id()
    newest = run(Search(limit=8), user_id).cars
    makes = db.all("cars.makes_with_counts")
    recent_ids = session_ids("recent")
    by_id = {c["id"]: c for c in db.all("cars.by_ids", ids=recent_ids, user_id=user_id)} if recent_ids else {}
    recent = [by_id[i] for i in recent_ids if i in by_id]
    featured = db.all("selling.featured", limit=4, user_id=user_id)
    return render_template("home.html", newest=newest, makes=makes, recent=recent, featured=featured)


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


SITEMAP_SPAN = 40_000  # car ids per sitemap file (a file may list at most 50,000 URLs)


@bp.get("/robots.txt")
@public
def robots() -> Response:
    """Crawling rules: everything public, nothing personal, and where the sitemap is."""
    base = current_app.config["BASE_URL"].rstrip("/")
    lines = [
        "User-agent: *",
        "Disallow: /account",
        "Disallow: /admin",
        "Disallow: /favorites",
        "Disallow: /compare",
        "Disallow: /login",
        "Disallow: /register",
        "Disallow: /reset/",
        "Disallow: /confirm/",
        "Disallow: /cars?*cursor=",
        "",
        f"Sitemap: {base}/sitemap.xml",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/sitemap.xml")
@public
def sitemap_index() -> Response:
    """A sitemap index: one file per range of car ids, so each stays small at any number of cars."""
    files = db.scalar("cars.max_id") // SITEMAP_SPAN + 1
    return Response(render_template("sitemap_index.xml", files=range(files)), mimetype="application/xml")


@bp.get("/sitemaps/cars-<int:number>.xml")
@public
def sitemap(number: int) -> Response:
    """Listed cars with ids in one range, with their last change; 404 past the last file."""
    if number > db.scalar("cars.max_id") // SITEMAP_SPAN:
        abort(404)
    cars = db.all("cars.sitemap_range", first_id=number * SITEMAP_SPAN, last_id=(number + 1) * SITEMAP_SPAN)
    return Response(render_template("sitemap.xml", cars=cars, first=number == 0), mimetype="application/xml")
