"""HTTP for cars: search results, the car page, favourites and comparison."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..domain.actor import Actor
from ..domain.vocabulary import BODIES, FUELS, TRANSMISSIONS
from ..web import session_ids
from ..web.access import login_required, public
from ..web.filters import slugify
from ..web.forms import safe_next
from ..web.urls import absolute_url
from . import catalogue, lists
from . import compare as comparison
from . import favorites as saved
from .search import SORT_LABELS, Search, facets, interpret, parse, run

bp = Blueprint("cars", __name__)


@bp.app_template_global()
def compared() -> list[int]:
    """The car ids in the comparison: the account's (it comes with the logged-in user), or the session's."""
    if current_user.is_authenticated:
        return current_user.compare_ids
    return session_ids.ids("compare")


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
    )


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
    "q": "no search words",
}


def loosen(search: Search) -> list[tuple[str, dict]]:
    """Links that drop one filter each, for an empty result."""
    active = search.active()
    links = []
    for name in active:
        if name in LOOSEN_LABELS:
            rest = {k: v for k, v in active.items() if k != name and not (name == "make" and k == "model")}
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
    if actor.user_id is None:  # an account's views are noted by cars.car_page itself
        session_ids.remember("recent", car_id, catalogue.RECENT_SIZE)
    asked = request.args.get("photo", "0")
    photo_index = int(asked) if asked.isascii() and asked.isdigit() and int(asked) < len(car["photos"]) else 0
    return render_template(
        "cars/show.html",
        car=car,
        photo_index=photo_index,
        image_urls=[absolute_url("selling.photo", name=p["file"], size="large") for p in car["photos"]],
        photo_urls=[url_for("selling.photo", name=p["file"], size="large") for p in car["photos"]],
        prices=catalogue.price_history(car_id),
        similar=catalogue.similar(car, actor=actor),
        canonical=absolute_url("cars.show", car_id=car_id, slug=canonical),
        comparing=car_id in compared(),
    )


@bp.post("/cars/<int:car_id>/favorite")
@public
def favorite(car_id: int) -> Response:
    """Save or unsave a car (a plain form post; works without JavaScript). A visitor is sent to log in, and the
    car is saved as soon as they are in (the intent waits in the session, set only by this CSRF-checked POST)."""
    actor = Actor.from_request()
    back = safe_next(request.form.get("next"))
    if not actor.is_authenticated:
        catalogue.public_car(car_id)
        session[session_ids.SAVE_AFTER_LOGIN] = car_id
        flash("Log in or create an account to save this car: it is saved as soon as you are in.", "info")
        return redirect(url_for("auth.login", next=back or url_for("cars.show", car_id=car_id)), code=303)
    if request.form.get("action") == "remove":
        saved.remove(car_id, actor=actor)
        flash("Removed from your favourites.", "success")
    elif saved.save(car_id, actor=actor):
        flash("Saved to your favourites.", "success")
    return redirect(back or url_for("cars.show", car_id=car_id), code=303)


@bp.get("/favorites")
@login_required
def favorites() -> str:
    """The cars the user saved, including ones sold since."""
    return render_template("cars/favorites.html", cars=saved.of(Actor.from_request()))


@bp.post("/compare/<int:car_id>")
@public
def compare_toggle(car_id: int) -> Response:
    """Add a car to (or take it off) the comparison list, up to four cars: the account's list when logged in."""
    actor = Actor.from_request()
    remove = request.form.get("action") == "remove"
    if actor.is_authenticated:
        if remove or car_id in current_user.compare_ids:
            lists.remove_compared(car_id, actor=actor)
            fitted = True
        else:
            fitted = lists.add_compared(car_id, actor=actor)
        ids = lists.compared_ids(actor=actor)
    else:
        ids, fitted = comparison.toggle(session_ids.ids("compare"), car_id, remove=remove)
        session_ids.store("compare", ids)
    if not fitted:
        flash(f"You can compare up to {comparison.COMPARE_MAX} cars; remove one first.", "error")
    target = safe_next(request.form.get("next"))
    return redirect(target or url_for("cars.compare", ids=",".join(map(str, ids)) or None), code=303)


@bp.get("/compare")
@public
def compare() -> str:
    """2 to 4 cars side by side; ?diff=1 shows only the rows that differ. The URL is shareable."""
    raw = request.args.get("ids")
    ids = compared() if raw is None else comparison.parse_ids(raw)
    cars = catalogue.cars_in_order(ids, actor=Actor.from_request())
    only_diff = request.args.get("diff") == "1"
    return render_template(
        "cars/compare.html",
        cars=cars,
        rows=comparison.rows(cars, only_differences=only_diff),
        only_diff=only_diff,
        ids=",".join(str(c["id"]) for c in cars),
    )
