"""The JSON API: ``/api/v1/cars`` (the page's search, as JSON) and ``/api/v1/cars/<id>``, described by an OpenAPI
3.1 document (``openapi``) built from the same parameter list the code validates with."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask import request as flask_request
from werkzeug.wrappers import Response

from ..cars import catalogue, makes, pricing
from ..cars.search import interpret, parse, run
from ..domain.errors import Invalid, NotFound
from ..web.access import public
from ..web.caching import REVALIDATE, SHARED, validated
from ..web.filters import slugify
from ..web.urls import absolute_url
from .openapi import document

bp = Blueprint("api", __name__)
API_PAGE = 20


def car_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "make": row["make"],
        "model": row["model"],
        "year": row["year"],
        "price": float(row["price"]),
        "currency": "EUR",
        "mileage_km": row["mileage_km"],
        "fuel": row["fuel"],
        "transmission": row["transmission"],
        "body": row["body"],
        "colour": row["colour"],
        "condition": row["condition"],
        "city": row["city"] or None,
        "status": row["status"],
        "created_at": row["created_at"].isoformat(),
        "url": absolute_url("cars.show", car_id=row["id"], slug=slugify(row["title"])),
        "price_rating": pricing.api_rating(row),
    }


@bp.get("/api/v1/cars")
@public
@validated(SHARED)
def cars() -> Response:
    """Search listed cars; the same parameters as /cars. 400 names the parameter that is wrong."""
    search = interpret(parse(flask_request.args, default_limit=API_PAGE, blank_is_unset=False))
    if search.place_error:
        raise Invalid(search.place_error, field="near")
    results = run(search)
    items = [car_json(r) | ({"distance_km": _km(r["distance_km"])} if search.place else {}) for r in results.cars]
    return jsonify({"items": items, "next_cursor": results.next_cursor})


def _km(distance: float | None) -> float | None:
    return None if distance is None else round(distance, 1)


@bp.get("/api/v1/cars/<int:car_id>")
@public
@validated(REVALIDATE)
def car(car_id: int) -> Response:
    """One car that anyone may see; 404 otherwise. Checked on every use, like the car page (cars.show)."""
    row = catalogue.public_car(car_id)
    return jsonify(car_json(row) | {"description": row["description"], "seller": {"name": row["seller_name"]}})


@bp.get("/api/v1/makes")
@public
@validated(SHARED)
def make_list() -> Response:
    """Every make of the catalogue (listed or not), by name."""
    return jsonify({"items": [{"id": m["id"], "name": m["name"]} for m in makes.makes()]})


@bp.get("/api/v1/makes/<int:make_id>/models")
@public
@validated(SHARED)
def make_models(make_id: int) -> Response:
    """The models of one make with their body types and production years (the selling form's model list);
    404 for an unknown make."""
    make = makes.make(make_id) if make_id < 2**31 else None
    if make is None:
        raise NotFound("There is no such make.")
    return jsonify(
        {
            "make": {"id": make["id"], "name": make["name"]},
            "items": [
                {
                    "id": m["id"],
                    "name": m["name"],
                    "bodies": m["bodies"],
                    "year_from": m["year_from"],
                    "year_to": m["year_to"],
                }
                for m in makes.models_of(make_id)
            ],
        }
    )


@bp.get("/api/openapi.json")
@public
@validated(SHARED, data=False)
def openapi() -> Response:
    """The OpenAPI 3.1 description of the API."""
    return jsonify(document())
