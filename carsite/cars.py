"""Cars: the listing of available cars and the car page. The catalogue issue builds full search on this."""

from __future__ import annotations

import re

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from . import db
from .access import public
from .paging import keyset_page

bp = Blueprint("cars", __name__)
PAGE_SIZE = 24


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


@bp.get("/cars")
@public
def index() -> str:
    """Available cars, newest first, a page at a time (keyset: stable while new cars arrive)."""
    text = request.args.get("q", "").strip()[:100] or None
    make = request.args.get("make", "").strip()[:40] or None
    cursor = request.args.get("cursor")
    rows, next_cursor = keyset_page("cars.available_page", cursor, PAGE_SIZE, make=make, text=text)
    return render_template(
        "cars/index.html",
        cars=rows,
        q=text or "",
        make=make,
        next_cursor=next_cursor,
        first_page=cursor is None,
    )


@bp.get("/cars/<int:car_id>")
@bp.get("/cars/<int:car_id>/<slug>")
@public
def show(car_id: int, slug: str | None = None) -> str | Response:
    """One car; 404 when unknown or not yet published; a wrong or missing slug redirects to the canonical URL."""
    car = db.optional("cars.car_by_id", car_id=car_id)
    if car is None or car["status"] == "pending":
        abort(404, "This car does not exist or is no longer listed.")
    canonical = slugify(car["title"])
    if slug != canonical:
        return redirect(url_for("cars.show", car_id=car_id, slug=canonical), code=301)
    return render_template(
        "cars/show.html", car=car, canonical=url_for("cars.show", car_id=car_id, slug=canonical, _external=True)
    )
