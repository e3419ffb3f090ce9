"""Cars: the listing of available cars and the car page. The catalogue issue builds full search on this."""

from __future__ import annotations

import re

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from . import db
from .access import public
from .search import BODIES, FUELS, SORT_LABELS, TRANSMISSIONS, Search, facets, interpret, parse, run

bp = Blueprint("cars", __name__)
# Statuses whose car page anyone may open (sold and withdrawn cars keep theirs, with a notice).
PUBLIC_STATUSES = ("available", "reserved", "sold", "withdrawn")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


@bp.get("/cars")
@public
def index() -> str:
    """Search listed cars: free text, filters with facet counts, six sort orders, keyset pages; a shareable URL."""
    search = interpret(parse(request.args))
    results = run(search)
    facet_counts, total, exact = facets(results.search)
    return render_template(
        "cars/index.html",
        results=results,
        q=search.q or "",
        search=results.search,
        facets=facet_counts,
        total=total,
        exact=exact,
        loosen=loosen(results.search) if not results.cars else [],
        sort_labels=SORT_LABELS,
        fuels=FUELS,
        bodies=BODIES,
        transmissions=TRANSMISSIONS,
    )


def loosen(search: Search) -> list[tuple[str, dict]]:
    """Links that drop one filter each, for an empty result."""
    active = search.active()
    labels = {
        "make": "any make",
        "model": "any model",
        "year_min": "any year",
        "year_max": "any year",
        "price_min": "any price",
        "price_max": "any price",
        "mileage_max": "any mileage",
        "fuel": "any fuel",
        "transmission": "any gearbox",
        "body": "any body type",
        "colour": "any colour",
        "condition": "new and used",
        "city": "everywhere",
        "q": "no search words",
    }
    links = []
    for name in active:
        if name in labels and name != "sort":
            rest = {k: v for k, v in active.items() if k != name and not (name == "make" and k == "model")}
            links.append((labels[name], rest))
    return links


@bp.get("/cars/<int:car_id>")
@bp.get("/cars/<int:car_id>/<slug>")
@public
def show(car_id: int, slug: str | None = None) -> str | Response:
    """One car; 404 when unknown or not yet published; a wrong or missing slug redirects to the canonical URL."""
    car = db.optional("cars.car_by_id", car_id=car_id)
    if car is None or car["status"] not in PUBLIC_STATUSES:
        abort(404, "This car does not exist or is no longer listed.")
    canonical = slugify(car["title"])
    if slug != canonical:
        return redirect(url_for("cars.show", car_id=car_id, slug=canonical), code=301)
    return render_template(
        "cars/show.html", car=car, canonical=url_for("cars.show", car_id=car_id, slug=canonical, _external=True)
    )
