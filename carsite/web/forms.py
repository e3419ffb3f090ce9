"""Form helpers shared by every area: input filters, rendering a form page with the right status, safe redirects."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_app_context, redirect, render_template, request
from werkzeug.wrappers import Response
from wtforms import Field
from wtforms.widgets import TextInput

from ..domain import numbers


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def collapse(value: str | None) -> str | None:
    return re.sub(r"\s+", " ", value).strip() if isinstance(value, str) else value


def form_page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a form page; 400 when a submitted form has errors, so clients see the request was refused."""
    form = context.get("form")
    if status == 200 and request.method == "POST" and form is not None and form.errors:
        status = 400
    return render_template(template, **context), status


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None: ``next`` must never lead elsewhere (ASVS 5.1.5)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


def confirmed() -> bool:
    """Whether this is the final POST of a confirmation page (it carries confirm=yes)."""
    return request.method == "POST" and request.form.get("confirm") == "yes"


def confirmation_page(
    action: str, *, heading: str, question: str, consequences: list[str], button: str, cancel: str
) -> Response | str:
    """Ask before a destructive action: on GET, a page spelling out the consequences with a final POST button
    (confirm=yes) to ``action``; a POST without confirm=yes changes nothing and is sent to that page."""
    if request.method == "POST":
        return redirect(action, code=303)
    return render_template(
        "confirm.html",
        heading=heading,
        question=question,
        consequences=consequences,
        action=action,
        button=button,
        cancel=cancel,
    )


class TypedNumberField(Field):
    """A number as people type it ("18.900", "18 900 €", "10k", "150.000 km"), read by ``carsite.domain.numbers``;
    what was typed stays in the field when it cannot be read, and the message names the field in words.
    Blank is None, or the ``required`` message; ``minimum`` is checked here."""

    widget = TextInput()

    def __init__(self, label: str, *, words: str, minimum: int = 0, required: str | None = None, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.words = words
        self.minimum = minimum
        self.required_message = required

    def read(self, text: str, locale: str) -> Decimal | int:
        raise NotImplementedError

    def show(self, value: Decimal | int, locale: str) -> str:
        raise NotImplementedError

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else self.show(self.data, _locale())

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = self.read(str(valuelist[0]), _locale())
        except numbers.NumberError as exc:
            self.data = None
            raise ValueError(exc.message) from None

    def post_validate(self, form: Any, validation_stopped: bool) -> None:
        if self.data is None and not self.process_errors and self.required_message:
            self.errors.append(self.required_message)
        elif self.data is not None and not self.process_errors and self.data < self.minimum:
            self.errors.append(f"{self.words} must be at least {self.show(self.minimum, _locale())}.")


class PriceField(TypedNumberField):
    """A price in euros, cents allowed (``numbers.read_price``)."""

    def read(self, text: str, locale: str) -> Decimal:
        return numbers.read_price(text, self.words, locale)

    def show(self, value: Decimal | int, locale: str) -> str:
        return numbers.plain(value, locale)


class MileageField(TypedNumberField):
    """A whole number of kilometres (``numbers.read_mileage``)."""

    def read(self, text: str, locale: str) -> int:
        return numbers.read_mileage(text, self.words, locale)

    def show(self, value: Decimal | int, locale: str) -> str:
        return numbers.plain(value, locale)


def _locale() -> str:
    return str(current_app.config.get("LOCALE", "en")) if has_app_context() else "en"
