"""The OpenAPI 3.1 document of the JSON API, built from the parameter list search validates with."""

from __future__ import annotations

from typing import Any

from ..cars.pricing import LABELS, MEANINGS, MILEAGE_BANDS, MIN_COMPARABLES
from ..cars.search import API_NUMBER_FORMS, PARAMS, Param
from ..domain.vocabulary import BODIES, CONDITIONS, PUBLIC_STATUSES


def describe(param: Param) -> str:
    """A parameter's description, saying for numbers which forms are accepted."""
    if param.name == "cursor":
        return CURSOR
    forms = API_NUMBER_FORMS.get(param.kind)
    return f"{param.description} {forms}" if forms else param.description


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
        "price_rating": {
            "oneOf": [{"$ref": "#/components/schemas/PriceRating"}, {"type": "null"}],
            "description": "The asking price against the median of comparable cars for sale; null when the car is "
            "not for sale, has too few comparables, or its price changed since the last rating.",
        },
    }
    price_rating = {
        "type": "object",
        "description": (
            "Comparable cars: the other cars for sale of the same make and model, built within a year of this one, "
            f"in its mileage band (bands start at 0, {', '.join(f'{b:,}' for b in MILEAGE_BANDS)} km); "
            f"rated with at least {MIN_COMPARABLES} of them. "
            + "; ".join(f"{k}: {v}" for k, v in MEANINGS.items())
            + ". Computed in batches, not on each request."
        ),
        "required": ["rating", "median", "difference", "comparables"],
        "properties": {
            "rating": {"type": "string", "enum": list(LABELS)},
            "median": {"type": "number", "description": "Median asking price of the comparable cars, in EUR."},
            "difference": {"type": "number", "description": "price - median, in EUR (negative: below the median)."},
            "comparables": {"type": "integer", "minimum": MIN_COMPARABLES},
        },
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
                            "description": describe(p),
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
            "/api/v1/makes": {
                "get": {
                    "summary": "Every make of the catalogue",
                    "description": "The canonical makes (listed or not), by name. Search accepts a make in any case "
                    "or by an alias (`vw`, `mercedes`), and answers with these names.",
                    "operationId": "listMakes",
                    "responses": {
                        "200": {
                            "description": "The makes.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MakeList"}}},
                        },
                        "503": ERROR,
                    },
                }
            },
            "/api/v1/makes/{make_id}/models": {
                "get": {
                    "summary": "The models of one make",
                    "description": "Its models by name, with the body types they were built as and their production "
                    "years (year_to null: still built).",
                    "operationId": "listModels",
                    "parameters": [
                        {
                            "name": "make_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The make and its models.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelList"}}},
                        },
                        "404": ERROR,
                        "503": ERROR,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Make": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
                "MakeList": {
                    "type": "object",
                    "required": ["items"],
                    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Make"}}},
                },
                "Model": {
                    "type": "object",
                    "required": ["id", "name", "bodies", "year_from", "year_to"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "bodies": {"type": "array", "items": {"type": "string", "enum": list(BODIES)}},
                        "year_from": {"type": "integer"},
                        "year_to": {"type": ["integer", "null"]},
                    },
                },
                "ModelList": {
                    "type": "object",
                    "required": ["make", "items"],
                    "properties": {
                        "make": {"$ref": "#/components/schemas/Make"},
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}},
                    },
                },
                "Car": {
                    "type": "object",
                    "required": [name for name in car_properties if name != "distance_km"],
                    "properties": car_properties,
                },
                "PriceRating": price_rating,
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
