"""HTTP for the site as a whole: the home page, robots.txt and sitemaps, and the operators' endpoints /healthz
(process alive) and /readyz (database and migrations)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template
from werkzeug.wrappers import Response

from .. import db
from ..cars import catalogue, lists
from ..cars.search import Search, run
from ..domain.actor import Actor
from ..web import recent
from ..web.access import public
from ..web.caching import SHARED, validated
from . import health

bp = Blueprint("site", __name__)


@bp.get("/")
@public
@validated(SHARED, recent=True)
def index() -> str:
    """The home page: search box, newest cars, browse by make; a visitor's recently viewed cars come from their
    own cookie (carsite.web.recent), which makes the page theirs (carsite.web.caching)."""
    actor = Actor.from_request()
    return render_template(
        "home.html",
        newest=run(Search(limit=8), actor.user_id).cars,
        makes=catalogue.makes_with_counts(),
        recent=lists.recent_cars(actor=actor, visitor_ids=recent.ids(catalogue.RECENT_SIZE)),
        featured=catalogue.featured(actor=actor),
    )


@bp.get("/healthz")
@public
def healthz() -> Response:
    """Liveness: the process answers. Touches no database."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    """Readiness: 200 when the database answers and every migration is applied unchanged, else 503."""
    body, ready = health.readiness(current_app.extensions["carsite.migrations"])
    return jsonify(body), 200 if ready else 503


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
        "Disallow: /contact/",
        "Disallow: /cars/*/contact",
        "Disallow: /cars/*/phone",
        "Disallow: /messages",
        "Disallow: /cars?*cursor=",
        "",
        f"Sitemap: {base}/sitemap.xml",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/sitemap.xml")
@public
@validated(SHARED)
def sitemap_index() -> Response:
    """A sitemap index: one file per range of car ids, so each stays small at any number of cars."""
    files = db.scalar("cars.max_id") // SITEMAP_SPAN + 1
    return Response(render_template("sitemap_index.xml", files=range(files)), mimetype="application/xml")


@bp.get("/sitemaps/cars-<int:number>.xml")
@public
@validated(SHARED)
def sitemap(number: int) -> Response:
    """Listed cars with ids in one range, with their last change; 404 past the last file."""
    if number > db.scalar("cars.max_id") // SITEMAP_SPAN:
        abort(404)
    cars = db.all("cars.sitemap_range", first_id=number * SITEMAP_SPAN, last_id=(number + 1) * SITEMAP_SPAN)
    return Response(render_template("sitemap.xml", cars=cars, first=number == 0), mimetype="application/xml")
