"""The OpenAPI 3.1 document of the JSON API, built from the parameter list search validates with."""

from __future__ import annotations

from typing import Any

from ..cars.search import PARAMS, Param
from ..domain.vocabulary import CONDITIONS, PUBLIC_STATUSES


def param_schema(param: Param) -> dict[str, Any]:
    if param.kind == "enum":
        return {"type": "string", "enum": list(param.choices)}
    if param.kind == "list":  # repeated: feature=Towbar&feature=Isofix
        return {"type": "array", "items": {"type": "string", "enum": list(param.choices)}}
    if param.kind == "flag":
        return {"type": "boolean"}
    if param.kind == "month":
        return {"type": "string", "pattern": "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$", "examples": ["2019-06"]}
    if param.name == "cursor":  # opaque and signed: only a next_cursor this API returned is valid
        return {"type": "string", "maxLength": param.max_length, "pattern": "^[A-Za-z0-9_-]*$"}
    if param.kind == "text":  # q may be empty (no text); other texts must be left out rather than blank
        pattern = TEXT if param.name == "q" else NOT_BLANK_TEXT
        return {
            "type": "string",
            "minLength": 0 if param.name == "q" else 1,
            "maxLength": param.max_length,
            "pattern": pattern,
        }
    kind = "integer" if param.kind == "int" else "number"
    return {"type": kind, "minimum": param.minimum, "maximum": param.maximum}


# Control characters are refused in every parameter (carsite.web.inputs).
TEXT = "^[^\\u0000-\\u001F]*$"
NOT_BLANK_TEXT = "^[^\\u0000-\\u001F]*[^\\s\\u0000-\\u001F][^\\u0000-\\u001F]*$"
ERROR = {"$ref": "#/components/responses/Error"}
CURSOR = (
    "Opaque, signed cursor: pass the next_cursor of the previous page unchanged, with the same sort. Any other "
    "value (made by hand, altered, of another sort order or signed with a retired key) is answered 400 with "
    "field `cursor`: start again from the first page."
)


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
        "condition": {"type": "string", "enum": list(CONDITIONS)},
        "city": {"type": ["string", "null"]},
        "distance_km": {
            "type": ["number", "null"],
            "description": "Distance from the place of near, in km (search results with near only).",
        },
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
                            "description": CURSOR if p.name == "cursor" else p.description,
                            "schema": param_schema(p),
                        }
                        for p in PARAMS
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of cars and the cursor of the next page (null on the last).",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CarList"}}},
                        },
                        "400": {
                            "description": "A parameter is wrong (field names it), year_min > year_max or "
                            "price_min > price_max (alike for power and registration), near names no place the "
                            "site knows (field near), or a cursor that is not a next_cursor of this API.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        },
                        "503": ERROR,
                    },
                }
            },
            "/api/v1/cars/{car_id}": {
                "get": {
                    "summary": "One car",
                    "operationId": "getCar",
                    "parameters": [
                        {
                            "name": "car_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
                        }
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
                "Car": {
                    "type": "object",
                    "required": [name for name in car_properties if name != "distance_km"],
                    "properties": car_properties,
                },
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
