"""HTTP for cars: search results, the car page, favourites and comparison."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..domain.actor import Actor
from ..domain.vocabulary import BODIES, EMISSION_CLASSES, FEATURES, FUELS, SELLER_TYPES, TRANSMISSIONS
from ..web import session_ids
from ..web.access import login_required, public
from ..web.filters import slugify
from ..web.forms import safe_next
from ..web.urls import absolute_url
from . import catalogue
from . import compare as comparison
from . import favorites as saved
from .search import DOOR_GROUPS, MORE_FILTERS, RADII_KM, SORT_LABELS, Search, facets, interpret, parse, run

bp = Blueprint("cars", __name__)


@bp.get("/cars")
@public
def index() -> str:
    """Search listed cars: free text, filters with facet counts, six sort orders, keyset pages; a shareable URL."""
    search = interpret(parse(request.args))
    results = run(search, Actor.from_request().user_id)
    found = facets(results.search)
    count = (found.total, found.exact, found.approximate)  # the number of matches: exact, "at least" or "about"
    if results.next_cursor is None and not search.cursor:  # one page holds every match: its length is the count
        count = (len(results.cars), True, False)
    elif found.approximate and found.total < len(results.cars):
        count = (len(results.cars), False, False)
    return render_template(
        "cars/index.html",
        results=results,
        q=search.q or "",
        search=results.search,
        facets=found.values,
        exact=found.exact,
        count=count,
        loosen=loosen(results.search) if not results.cars else [],
        sort_labels=SORT_LABELS,
        fuels=FUELS,
        bodies=BODIES,
        transmissions=TRANSMISSIONS,
        seller_types=SELLER_TYPES,
        emission_classes=EMISSION_CLASSES,
        features=FEATURES,
        door_groups=DOOR_GROUPS,
        radii=RADII_KM,
        more_open=any(name in search.active() for name in MORE_FILTERS),
        chip_labels=CHIP_LABELS,
    )


# The words a chip of an active filter starts with (the others: the parameter's name).
CHIP_LABELS = {
    "near": "Near",
    "radius_km": "Within (km)",
    "seller_type": "Sold by",
    "power_min": "Power from (kW)",
    "power_max": "Power to (kW)",
    "owners_max": "Owners up to",
    "registered_from": "Registered from",
    "registered_to": "Registered to",
    "accident_free": "Accident free",
    "doors": "Doors",
    "seats_min": "Seats from",
    "emission_min": "Emission class from",
    "photos": "With photos",
    "feature": "Feature",
}


LOOSEN_LABELS = {
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
    "near": "everywhere",
    "seller_type": "private and dealer",
    "power_min": "any power",
    "power_max": "any power",
    "owners_max": "any number of owners",
    "registered_from": "any registration date",
    "registered_to": "any registration date",
    "accident_free": "accident free or not",
    "doors": "any doors",
    "seats_min": "any seats",
    "emission_min": "any emission class",
    "photos": "with or without photos",
    "feature": "any features",
    "q": "no search words",
}


def loosen(search: Search) -> list[tuple[str, dict]]:
    """Links that drop one filter each, for an empty result."""
    active = search.active()
    links = []
    for name in active:
        if name in LOOSEN_LABELS:
            rest = {
                k: v
                for k, v in active.items()
                if k != name and not (name == "make" and k == "model") and not (name == "near" and k == "radius_km")
            }
            links.append((LOOSEN_LABELS[name], rest))
    return links


@bp.get("/cars/<int:car_id>")
@bp.get("/cars/<int:car_id>/<slug>")
@public
def show(car_id: int, slug: str | None = None) -> str | Response:
    """One car; 404 when unknown or not published; a wrong or missing slug redirects to the canonical URL."""
    actor = Actor.from_request()
    car = catalogue.car_page(car_id, actor=actor)
    canonical = slugify(car["title"])
    if slug != canonical:
        return redirect(url_for("cars.show", car_id=car_id, slug=canonical), code=301)
    current_app.extensions["carsite.views"].record(car_id)
    session_ids.remember("recent", car_id, catalogue.RECENT_SIZE)
    asked = request.args.get("photo", "0")
    photo_index = int(asked) if asked.isascii() and asked.isdigit() and int(asked) < len(car["photos"]) else 0
    return render_template(
        "cars/show.html",
        car=car,
        photo_index=photo_index,
        image_urls=[absolute_url("selling.photo", name=p["file"], size="large") for p in car["photos"]],
        prices=catalogue.price_history(car_id),
        similar=catalogue.similar(car, actor=actor),
        canonical=absolute_url("cars.show", car_id=car_id, slug=canonical),
        comparing=car_id in session_ids.ids("compare"),
    )


@bp.post("/cars/<int:car_id>/favorite")
@login_required
def favorite(car_id: int) -> Response:
    """Save or unsave a car (a plain form post; works without JavaScript)."""
    actor = Actor.from_request()
    if request.form.get("action") == "remove":
        saved.remove(car_id, actor=actor)
        flash("Removed from your favourites.", "success")
    elif saved.save(car_id, actor=actor):
        flash("Saved to your favourites.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("cars.show", car_id=car_id), code=303)


@bp.get("/favorites")
@login_required
def favorites() -> str:
    """The cars the user saved, including ones sold since."""
    return render_template("cars/favorites.html", cars=saved.of(Actor.from_request()))


@bp.post("/compare/<int:car_id>")
@public
def compare_toggle(car_id: int) -> Response:
    """Add a car to (or take it off) the comparison list, up to four cars."""
    ids, fitted = comparison.toggle(session_ids.ids("compare"), car_id, remove=request.form.get("action") == "remove")
    if not fitted:
        flash(f"You can compare up to {comparison.COMPARE_MAX} cars; remove one first.", "error")
    session_ids.store("compare", ids)
    target = safe_next(request.form.get("next"))
    return redirect(target or url_for("cars.compare", ids=",".join(map(str, ids)) or None), code=303)


@bp.get("/compare")
@public
def compare() -> str:
    """2 to 4 cars side by side; ?diff=1 shows only the rows that differ. The URL is shareable."""
    raw = request.args.get("ids")
    ids = session_ids.ids("compare") if raw is None else comparison.parse_ids(raw)
    cars = catalogue.cars_in_order(ids, actor=Actor.from_request())
    only_diff = request.args.get("diff") == "1"
    return render_template(
        "cars/compare.html",
        cars=cars,
        rows=comparison.rows(cars, only_differences=only_diff),
        only_diff=only_diff,
        ids=",".join(str(c["id"]) for c in cars),
    )
