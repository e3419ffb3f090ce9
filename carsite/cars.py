"""Cars: the listing of available cars and the car page. The catalogue issue builds full search on this."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from . import db, security
from .access import login_required, public, visitor_id
from .errors import BadRequest
from .search import BODIES, FUELS, SORT_LABELS, TRANSMISSIONS, Search, facets, interpret, parse, run
from .web import slugify

bp = Blueprint("cars", __name__)
# Statuses whose car page anyone may open (sold and withdrawn cars keep theirs, with a notice).
PUBLIC_STATUSES = ("available", "reserved", "sold", "withdrawn")
RECENT_SIZE = 8
COMPARE_MAX = 4


@bp.get("/cars")
@public
def index() -> str:
    """Search listed cars: free text, filters with facet counts, six sort orders, keyset pages; a shareable URL."""
    search = interpret(parse(request.args))
    results = run(search, visitor_id())
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
    """One car; 404 when unknown or not published; a wrong or missing slug redirects to the canonical URL."""
    car = db.optional("cars.car_page", car_id=car_id, user_id=visitor_id())
    if car is None or car["status"] not in PUBLIC_STATUSES:
        abort(404, "This car does not exist or is no longer listed.")
    canonical = slugify(car["title"])
    if slug != canonical:
        return redirect(url_for("cars.show", car_id=car_id, slug=canonical), code=301)
    current_app.extensions["carsite.views"].record(car_id)
    remember_in_session("recent", car_id, RECENT_SIZE)
    photo_index = request.args.get("photo", "0")
    photo_index = int(photo_index) if photo_index.isdigit() and int(photo_index) < len(car["photos"]) else 0
    return render_template(
        "cars/show.html",
        car=car,
        photo_index=photo_index,
        image_urls=[url_for("selling.photo", name=p["file"], size="large", _external=True) for p in car["photos"]],
        prices=db.all("cars.price_history", car_id=car_id),
        similar=db.all(
            "cars.similar",
            car_id=car_id,
            make=car["make"],
            model=car["model"],
            body=car["body"],
            price=car["price"],
            user_id=visitor_id(),
        )
        if car["status"] == "available"
        else [],
        canonical=url_for("cars.show", car_id=car_id, slug=canonical, _external=True),
        comparing=car_id in session.get("compare", []),
    )


def session_ids(key: str) -> list[int]:
    """The car ids kept in the session under ``key`` (anything else there is ignored)."""
    return [i for i in session.get(key, []) if isinstance(i, int)]


def remember_in_session(key: str, car_id: int, size: int) -> None:
    """Keep the last ``size`` car ids in the session, newest first."""
    session[key] = [car_id, *(i for i in session_ids(key) if i != car_id)][:size]


@bp.post("/cars/<int:car_id>/favorite")
@login_required
def favorite(car_id: int) -> Response:
    """Save or unsave a car (a plain form post; works without JavaScript)."""
    if request.form.get("action") == "remove":
        db.execute("favorites.remove", user_id=current_user.id, car_id=car_id)
        flash("Removed from your favourites.", "success")
    elif db.optional("favorites.add", user_id=current_user.id, car_id=car_id) is not None:
        flash("Saved to your favourites.", "success")
    else:
        car = db.optional("cars.car_by_id", car_id=car_id)
        if car is None or car["status"] not in PUBLIC_STATUSES:
            abort(404, "This car does not exist or is no longer listed.")
    return redirect(security.safe_next(request.form.get("next")) or url_for("cars.show", car_id=car_id), code=303)


@bp.get("/favorites")
@login_required
def favorites() -> str:
    """The cars the user saved, including ones sold since."""
    return render_template("cars/favorites.html", cars=db.all("favorites.of_user", user_id=current_user.id))


@bp.post("/compare/<int:car_id>")
@public
def compare_toggle(car_id: int) -> Response:
    """Add a car to (or take it off) the comparison list, up to four cars."""
    ids = session_ids("compare")
    if car_id in ids or request.form.get("action") == "remove":
        ids = [i for i in ids if i != car_id]
    elif len(ids) >= COMPARE_MAX:
        flash(f"You can compare up to {COMPARE_MAX} cars; remove one first.", "error")
    else:
        ids.append(car_id)
    session["compare"] = ids
    target = security.safe_next(request.form.get("next"))
    return redirect(target or url_for("cars.compare", ids=",".join(map(str, ids)) or None), code=303)


@bp.get("/compare")
@public
def compare() -> str:
    """2 to 4 cars side by side; ?diff=1 shows only the rows that differ. The URL is shareable."""
    raw = request.args.get("ids")
    if raw is None:
        ids = session_ids("compare")
    else:
        try:
            ids = list(dict.fromkeys(int(part) for part in raw.split(",") if part.strip()))
        except ValueError:
            raise BadRequest("ids must be car numbers separated by commas, e.g. ids=12,40.", field="ids") from None
        if len(ids) > COMPARE_MAX or any(not (0 < i < 2**63) for i in ids):
            raise BadRequest(f"Choose 2 to {COMPARE_MAX} cars to compare.", field="ids")
    by_id = {c["id"]: c for c in (db.all("cars.by_ids", ids=ids, user_id=visitor_id()) if ids else [])}
    cars = [by_id[i] for i in ids if i in by_id]
    rows = comparison_rows(cars)
    only_diff = request.args.get("diff") == "1"
    if only_diff:
        rows = [r for r in rows if len({str(v) for v in r[1]}) > 1]
    return render_template(
        "cars/compare.html", cars=cars, rows=rows, only_diff=only_diff, ids=",".join(str(c["id"]) for c in cars)
    )


def comparison_rows(cars: list[dict]) -> list[tuple[str, list]]:
    fields = [
        ("Price", "price"),
        ("Year", "year"),
        ("Mileage", "mileage_km"),
        ("Fuel", "fuel"),
        ("Gearbox", "transmission"),
        ("Body", "body"),
        ("Colour", "colour"),
        ("Condition", "condition"),
        ("Location", "city"),
        ("Status", "status"),
    ]
    rows = [(label, [c[key] for c in cars]) for label, key in fields]
    features = sorted({f for c in cars for f in c["features"]})
    rows += [(feature, ["yes" if feature in c["features"] else "no" for c in cars]) for feature in features]
    return rows
