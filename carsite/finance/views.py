"""HTTP for finance: the JSON quote the car page's calculator asks for as a person types, and the cards' filter.

The endpoint is pure Python (no query): the figures are loans.quote's, so the page without JavaScript and the
page with it show the same cents.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.wrappers import Response

from ..domain import numbers
from ..domain.errors import DomainError
from ..web.access import public
from ..web.caching import SHARED, validated
from . import loans

bp = Blueprint("finance", __name__)


AMOUNTS = ("price", "deposit", "financed", "monthly_payment", "final_payment", "total_interest", "total_payable")


def figures(quote: loans.Quote, locale: str) -> dict[str, Any]:
    """A quote as the page and the JSON show it: amounts as decimal strings with cents, the same as the site writes
    them (``shown``), and the payments in words (``schedule``)."""
    data: dict[str, Any] = {name: f"{getattr(quote, name):.2f}" for name in AMOUNTS}
    data["apr"] = str(quote.apr)
    data["term_months"] = quote.term_months
    data["shown"] = {name: numbers.money(getattr(quote, name), locale) for name in AMOUNTS}
    data["schedule"] = schedule(quote, locale)
    return data


def schedule(quote: loans.Quote, locale: str) -> str:
    """'48 monthly payments of €314.48', or with a final payment that absorbs the rounding, '47 … and a final one
    of €314.50'."""
    n, payment = quote.term_months, numbers.money(quote.monthly_payment, locale)
    if n == 1:
        return f"One payment of {numbers.money(quote.final_payment, locale)}"
    if quote.final_payment == quote.monthly_payment:
        return f"{n} monthly payments of {payment}"
    return f"{n - 1} monthly payments of {payment} and a final one of {numbers.money(quote.final_payment, locale)}"


@bp.app_template_global()
def finance_figures(quote: loans.Quote) -> dict[str, Any]:
    """figures() for a template, in the site's locale."""
    return figures(quote, current_app.config["LOCALE"])


@bp.get("/finance/quote")
@public
@validated(SHARED, data=False)
def quote() -> tuple[Response, int]:
    """The loan for ``price`` with ``deposit``, ``apr`` (%) and ``term`` (months), each read as the calculator's
    form reads it (empty: the default). 400 with every field's message for a value that cannot be used."""
    locale = current_app.config["LOCALE"]
    price: Decimal | None = None
    try:
        price = numbers.read_price(request.args.get("price", ""), "Price", locale)
    except numbers.NumberError as problem:
        return refused({"price": problem.message})
    shown, result, errors = loans.parse_terms(request.args, price, locale=locale)
    if result is None:
        return refused(errors)
    return jsonify({**figures(result, locale), "values": shown}), 200


def refused(errors: dict[str, str], status: int = 400) -> tuple[Response, int]:
    """The site's error shape (the first field's message), with every field's message in ``errors``."""
    field, message = next(iter(errors.items()))
    body = {"error": {"status": status, "message": message, "field": field}, "errors": errors}
    return jsonify(body), status


@bp.errorhandler(DomainError)
def refused_before(exc: DomainError) -> tuple[Response, int]:
    """JSON for a refusal before the view (carsite.web.inputs: control characters), whatever the client accepts."""
    return refused({exc.field or "request": exc.message}, exc.status)


@bp.app_template_global()
def finance_terms() -> str:
    """The default terms in words, for the note beside a "from €N / month" figure."""
    terms = loans.default_terms()
    return (
        f"Example with a {loans.percent_text(terms.deposit_percent)} % deposit and "
        f"{loans.percent_text(terms.apr)} % APR over {terms.term_months} months; not a credit offer"
    )


@bp.app_template_filter("per_month")
def per_month(price: Decimal | int | None) -> str:
    """The "from €N / month" figure on the default terms, as the site writes money; '' without a price."""
    if price is None or Decimal(price) <= 0:
        return ""
    return numbers.money(loans.from_per_month(Decimal(price)), current_app.config["LOCALE"])
