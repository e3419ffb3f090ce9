"""HTTP for cars: search results, the car page, favourites and comparison."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import searches as saved_searches
from ..domain.actor import Actor
from ..domain.errors import Invalid
from ..domain.vocabulary import BODIES, EMISSION_CLASSES, FEATURES, FUELS, SELLER_TYPES, TRANSMISSIONS
from ..finance import loans
from ..web import recent, session_ids
from ..web.access import login_required, public
from ..web.caching import REVALIDATE, SHARED, validated
from ..web.errors import wants_json
from ..web.filters import slugify
from ..web.forms import safe_next
from ..web.urls import absolute_url
from . import catalogue, chips, lists
from . import compare as comparison
from . import favorites as saved
from . import pages as paging
from .search import (
    DOOR_GROUPS,
    MORE_FILTERS,
    RADII_KM,
    SORT_LABELS,
    Problem,
    Search,
    checked_cursor,
    cursor_position,
    facets,
    interpret,
    parse_page,
    run,
)

bp = Blueprint("cars", __name__)
PAGE_SIZE = 24


@bp.app_template_global()
def compared() -> list[int]:
    """The car ids in the comparison: the account's (it comes with the logged-in user), or the session's."""
    if current_user.is_authenticated:
        return current_user.compare_ids
    return session_ids.ids("compare")


@bp.get("/cars")
@public
@validated(SHARED)
def index() -> tuple[str, int]:
    """Search listed cars: free text, filters with facet counts, six sort orders, keyset pages; a shareable URL.

    A value that cannot be read is set aside with a message next to its field and the rest of the search still
    runs: the page answers 400 then (the URL asked for something that was not done), 200 otherwise."""
    locale = current_app.config["LOCALE"]
    typed = parse_page(request.args, default_limit=PAGE_SIZE, locale=locale)
    interpreted = interpret(typed.search)
    problems = dict(typed.problems)
    if interpreted.place_error:  # an unknown place: the search runs everywhere, the message sits next to the field
        problems["near"] = Problem("near", interpreted.place_error)
    if wants_json():  # a client asking for JSON gets the API's error (shape and messages)
        for problem in problems.values():
            raise Invalid(problem.message, field=problem.field)
        cursor_position(interpreted)
    search, cursor_problem = checked_cursor(interpreted)
    if cursor_problem:
        problems["cursor"] = cursor_problem
    results = run(search, Actor.from_request().user_id)
    found = facets(results.search)
    count = (found.total, found.exact, found.approximate)  # the number of matches: exact, "at least" or "about"
    if results.next_cursor is None and not search.cursor:  # one page holds every match: its length is the count
        count = (len(results.cars), True, False)
    elif found.approximate and found.total < len(results.cars):
        count = (len(results.cars), False, False)
    keep = {"limit": str(search.limit)} if search.limit != PAGE_SIZE else {}
    pages = paging.Pages.of(search, request.args.get("back"), results.next_cursor, keep)
    page = render_template(
        "cars/index.html",
        results=results,
        q=request.args.get("q", ""),  # the search box keeps what was typed, even words that were refused
        search=results.search,
        shown=shown_values(request.args, results.search, problems, typed.swapped),
        problems=problems,
        notes=typed.notes,
        chips=chips.of(results.search, locale),
        read_from_words=chips.read_from_words(typed.search, results.search, locale),
        pages=pages,
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
        save_query=saved_searches.query_string(results.search),
        save_name=saved_searches.describe(results.search),
    )
    return page, 400 if problems else 200


NUMBER_FIELDS = ("price_min", "price_max", "year_min", "year_max", "mileage_max")


def shown_values(args: Any, search: Search, problems: dict, swapped: tuple[str, ...]) -> dict[str, str]:
    """What the number fields show: what was typed ("10k" stays "10k"), unless the values were swapped or came
    from the search words; a field that could not be read keeps its text."""
    shown = {}
    for name in NUMBER_FIELDS:
        typed = (args.get(name) or "").strip()
        value = getattr(search, name)
        if name in problems or (typed and name not in swapped):
            shown[name] = args.get(name) or ""
        else:
            shown[name] = "" if value is None else str(value)
    return shown


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
    """Links that drop one filter each (both ends of a range together), for an empty result."""
    active = search.active()
    links: dict[str, dict] = {}
    for name in active:
        text = LOOSEN_LABELS.get(name)
        if text and text not in links:
            gone = {n for n, t in LOOSEN_LABELS.items() if t == text} | ({"model"} if name == "make" else set())
            gone |= {"radius_km"} if name == "near" else set()
            links[text] = {k: v for k, v in active.items() if k not in gone}
    return list(links.items())


def _viewed(car_id: int, slug: str | None = None) -> None:
    current_app.extensions["carsite.views"].record(car_id)


@bp.get("/cars/<int:car_id>")
@bp.get("/cars/<int:car_id>/<slug>")
@public
@validated(REVALIDATE, unchanged=_viewed)
def show(car_id: int, slug: str | None = None) -> tuple[str, int] | Response:
    """One car; 404 when unknown or not published; a wrong or missing slug redirects to the canonical URL.

    The finance calculator reads ?deposit=, ?apr= and ?term= (pure Python, no query); a value it cannot use is
    shown with its message under the field, and the page answers 400 then, as the search page does.

    Checked with carsite on every use (a price change shows at once); a view answered 304 still counts (the view
    counter is not on the page). The seller's name and role come from users, whose changes bump the listings
    version too (migration 0031)."""
    actor = Actor.from_request()
    car = catalogue.car_page(car_id, actor=actor)
    canonical = slugify(car["title"])
    if slug != canonical:
        # the query string goes along: a campaign's utm_* (kept with a contact), the photo shown
        target = url_for("cars.show", car_id=car_id, slug=canonical)
        query = request.query_string.decode("latin-1")
        return redirect(f"{target}?{query}" if query else target, code=301)
    _viewed(car_id)
    if actor.user_id is None:  # an account's views are noted by cars.car_page itself
        recent.remember(car_id, catalogue.RECENT_SIZE)
    asked = request.args.get("photo", "0")
    photo_index = int(asked) if asked.isascii() and asked.isdigit() and int(asked) < len(car["photos"]) else 0
    finance = None
    if car["status"] == "available":
        finance = loans.parse_terms(request.args, car["price"], locale=current_app.config["LOCALE"])
    page = render_template(
        "cars/show.html",
        car=car,
        photo_index=photo_index,
        image_urls=[absolute_url("selling.photo", name=p["file"], size="large") for p in car["photos"]],
        photo_urls=[url_for("selling.photo", name=p["file"], size="large") for p in car["photos"]],
        prices=catalogue.price_history(car_id),
        similar=catalogue.similar(car, actor=actor),
        canonical=absolute_url("cars.show", car_id=car_id, slug=canonical),
        comparing=car_id in compared(),
        finance=finance,
        finance_keep=[(key, request.args[key]) for key in FINANCE_KEEP if request.args.get(key)],
    )
    return page, 400 if finance and finance[2] else 200


# What the finance form carries along when it reloads the page: the photo shown and a campaign's utm_* values.
FINANCE_KEEP = ("photo", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


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


@bp.get("/compare/<int:car_id>")
@public
def compare_add(car_id: int) -> str:
    """The first step of comparing for a visitor without a session: the car page's GET form lands here, so that
    page starts no session; this page's CSRF-checked button (cars.compare_toggle) adds the car."""
    return render_template("cars/compare_add.html", car=catalogue.public_car(car_id))


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
