"""The JSON API: ``/api/v1/cars`` (the page's search, as JSON) and ``/api/v1/cars/<id>``, described by an OpenAPI
3.1 document built from the same parameter list the code validates with."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, url_for
from flask import request as flask_request
from werkzeug.wrappers import Response

from . import db
from .access import public
from .cars import PUBLIC_STATUSES, slugify
from .search import PARAMS, interpret, parse, run

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
        "url": url_for("cars.show", car_id=row["id"], slug=slugify(row["title"]), _external=True),
    }


@bp.get("/api/v1/cars")
@public
def cars() -> Response:
    """Search listed cars; the same parameters as /cars. 400 names the parameter that is wrong."""
    results = run(interpret(parse(flask_request.args, default_limit=API_PAGE, blank_is_unset=False)))
    return jsonify({"items": [car_json(r) for r in results.cars], "next_cursor": results.next_cursor})


@bp.get("/api/v1/cars/<int:car_id>")
@public
def car(car_id: int) -> Response:
    """One car that anyone may see; 404 otherwise."""
    row = db.optional("cars.car_by_id", car_id=car_id)
    if row is None or row["status"] not in PUBLIC_STATUSES:
        abort(404, "There is no such car.")
    return jsonify(car_json(row) | {"description": row["description"], "seller": {"name": row["seller_name"]}})


@bp.get("/api/openapi.json")
@public
def openapi() -> Response:
    """The OpenAPI 3.1 description of the API."""
    return jsonify(document())


def param_schema(param) -> dict[str, Any]:
    if param.kind == "enum":
        return {"type": "string", "enum": list(param.choices)}
    if param.name == "cursor":
        return {"type": "string", "maxLength": param.max_length, "pattern": "^[A-Za-z0-9_-]*$"}
    if param.kind == "text":  # q may be empty (no text); other texts must be left out rather than empty
        return {"type": "string", "minLength": 0 if param.name == "q" else 1, "maxLength": param.max_length}
    kind = "integer" if param.kind == "int" else "number"
    return {"type": kind, "minimum": param.minimum, "maximum": param.maximum}


ERROR = {"$ref": "#/components/responses/Error"}


def document() -> dict[str, Any]:
    car_properties = {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "make": {"type": "string"},
        "model": {"type": "string"},
        "year": {"type": "integer"},
        "price": {"type": "number"},
        "currency": {"type": "string", "enum": ["EUR"]},
        "mileage_km": {"type": "integer"},
        "fuel": {"type": "string"},
        "transmission": {"type": "string"},
        "body": {"type": "string"},
        "colour": {"type": "string"},
        "condition": {"type": "string", "enum": ["new", "used"]},
        "city": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": list(PUBLIC_STATUSES)},
        "created_at": {"type": "string", "format": "date-time"},
        "url": {"type": "string", "format": "uri"},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "carsite API",
            "version": "1.0.0",
            "description": "Search and read car listings. Errors always have the shape of the Error schema.",
        },
        "paths": {
            "/api/v1/cars": {
                "get": {
                    "summary": "Search listed cars",
                    "operationId": "searchCars",
                    "parameters": [
                        {
                            "name": p.name,
                            "in": "query",
                            "required": False,
                            "description": p.description,
                            "schema": param_schema(p),
                        }
                        for p in PARAMS
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of cars and the cursor of the next page (null on the last).",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CarList"}}},
                        },
                        "400": ERROR,
                        "503": ERROR,
                    },
                }
            },
            "/api/v1/cars/{car_id}": {
                "get": {
                    "summary": "One car",
                    "operationId": "getCar",
                    "parameters": [
                        {"name": "car_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}
                    ],
                    "responses": {
                        "200": {
                            "description": "The car.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CarDetail"}}},
                        },
                        "404": ERROR,
                        "503": ERROR,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Car": {"type": "object", "required": list(car_properties), "properties": car_properties},
                "CarDetail": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Car"},
                        {
                            "type": "object",
                            "required": ["description", "seller"],
                            "properties": {
                                "description": {"type": "string"},
                                "seller": {
                                    "type": "object",
                                    "required": ["name"],
                                    "properties": {"name": {"type": "string"}},
                                },
                            },
                        },
                    ]
                },
                "CarList": {
                    "type": "object",
                    "required": ["items", "next_cursor"],
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Car"}},
                        "next_cursor": {"type": ["string", "null"]},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["status", "message", "field"],
                            "properties": {
                                "status": {"type": "integer"},
                                "message": {"type": "string"},
                                "field": {"type": ["string", "null"]},
                            },
                        }
                    },
                },
            },
            "responses": {
                "Error": {
                    "description": "An error; field names the parameter at fault, if any.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
        },
    }
