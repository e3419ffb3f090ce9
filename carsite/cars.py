"""Cars: the listing of available cars and the car page. The catalogue issue builds full search on this."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from . import db
from .access import public
from .errors import BadRequest

bp = Blueprint("cars", __name__)
PAGE_SIZE = 24


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def encode_cursor(row: dict) -> str:
    raw = f"{row['created_at'].isoformat()}|{row['id']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[datetime, int]:
    """Decode a cursor made by encode_cursor; BadRequest for anything else."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        created, car_id = raw.split("|")
        return datetime.fromisoformat(created), int(car_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("The cursor is not valid; start again from the first page.", field="cursor") from None


@bp.get("/cars")
@public
def index() -> str:
    """Available cars, newest first, a page at a time (keyset: stable while new cars arrive)."""
    text = request.args.get("q", "").strip()[:100] or None
    make = request.args.get("make", "").strip()[:40] or None
    cursor = request.args.get("cursor")
    after_created_at, after_id = decode_cursor(cursor) if cursor else (None, None)
    rows = db.all(
        "cars.available_page",
        make=make,
        text=text,
        after_created_at=after_created_at,
        after_id=after_id,
        limit=PAGE_SIZE + 1,
    )
    next_cursor = encode_cursor(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else None
    return render_template(
        "cars/index.html",
        cars=rows[:PAGE_SIZE],
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
