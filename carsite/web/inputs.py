"""Text and ids that can reach SQL, checked once for every route before any view runs.

PostgreSQL refuses NUL in text, and control characters have no business in a form. What Werkzeug does with bytes
that are not UTF-8 is in ``check_request``; a lone surrogate cannot arrive from the wire, and is refused anyway,
should a caller hand one in.
Ids are bounded to ``bigint`` (1 .. 2**63-1) in the URL converter and wherever else they are read.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from ..domain.errors import Invalid

ID_MAX = 2**63 - 1
# Form values may hold tab, CR and LF (textareas); keys and query parameters hold no control characters at all.
FORM_VALUE_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
STRICT_BAD = re.compile(r"[\x00-\x1f\ud800-\udfff]")
NAME_SHOWN = re.compile(r"[^\w\[\].-]")


class IdConverter(IntegerConverter):
    """``<int:…>`` for row ids and page numbers: 0 .. 2**63-1 (PostgreSQL's bigint), so a larger number is a 404,
    not a SQL error. The regex bounds the digits too: Python refuses to convert numbers of more than 4,300 digits."""

    regex = r"\d{1,19}"

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = 0, max: int | None = ID_MAX) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def is_id(value: object) -> bool:
    """True for an int that fits a bigint id column (bools excluded)."""
    return type(value) is int and 0 < value <= ID_MAX


def parse_id(raw: str | None, field: str) -> int:
    """A row id from a form or query value; Invalid naming ``field`` for anything else."""
    if raw is None or not re.fullmatch(r"[0-9]{1,19}", raw) or not 0 < int(raw) <= ID_MAX:
        raise Invalid(f"{field} must be a number from 1 to {ID_MAX:,}.", field=field)
    return int(raw)


def shown(name: str) -> str:
    """A parameter name as an error message may show it."""
    return NAME_SHOWN.sub("?", name)[:60] or "?"


def undecodable_key(query: bytes) -> str:
    """The name of the first query parameter whose raw bytes are not UTF-8."""
    for pair in query.split(b"&"):
        key, _, value = pair.partition(b"=")
        try:
            key.decode(), value.decode()
        except UnicodeDecodeError:
            return shown(key.decode(errors="replace"))
    return "?"


def check_request() -> None:
    """Refuse (400 naming the field) control characters and surrogates in any query parameter or form field.

    Bytes that are not UTF-8: raw ones in a query string make Werkzeug raise (refused here, naming the parameter);
    percent-encoded ones stay as their ``%FF`` text; in a urlencoded body they make Werkzeug drop the whole form
    (the view then finds its fields missing: CSRF or its validation answer 400); in multipart they become U+FFFD."""
    try:
        args = request.args
    except UnicodeDecodeError:
        field = undecodable_key(request.query_string)
        raise Invalid(f"{field} must be UTF-8 text.", field=field) from None
    for key, value in args.items(multi=True):
        if STRICT_BAD.search(key):
            raise Invalid("Parameter names must not contain control characters.", field=shown(key))
        if STRICT_BAD.search(value):
            raise Invalid(f"{shown(key)} must not contain control characters.", field=shown(key))
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    for key, value in request.form.items(multi=True):
        if STRICT_BAD.search(key):
            raise Invalid("Field names must not contain control characters.", field=shown(key))
        if FORM_VALUE_BAD.search(value):
            raise Invalid(f"{shown(key)} must not contain control characters.", field=shown(key))
    for key, upload in request.files.items(multi=True):
        if STRICT_BAD.search(key) or STRICT_BAD.search(upload.filename or ""):
            raise Invalid("File names must not contain control characters.", field=shown(key))


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
