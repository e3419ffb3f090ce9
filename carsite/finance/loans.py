"""Monthly payments of a car loan, exact in Decimal: the figures the car page, the finance endpoint and orders show.

The rounding rule, which every figure follows:

- The monthly rate is nominal: r = APR / 100 / 12, exactly (6.9 % APR is 0.00575 a month; no effective-rate
  conversion).
- The level payment A = F · r / (1 − (1 + r)^−n) for F financed over n months is worked out with 50 significant
  digits and rounded half-up to the cent. At 0 % APR it is F / n, rounded the same way.
- Payments 1 … n − 1 are A. The final payment is what clears the balance at the exact rate (the balance is never
  rounded between months), rounded half-up to the cent: it absorbs the rounding of A, so it may differ from A by a
  few cents. At 0 % APR that makes the payments add up to F exactly.
- total_interest = A · (n − 1) + final payment − F; total_payable = deposit + A · (n − 1) + final payment.

Figures are examples for a person to compare, not a credit offer: no fees, no insurance, no balloon.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from flask import current_app

from ..domain import numbers
from ..domain.errors import Invalid

CENT = Decimal("0.01")
PRECISION = 50
TERM_MAX = 120
APR_LIMIT = Decimal(100)
FIELDS = ("deposit", "apr", "term")


@dataclass(frozen=True)
class Quote:
    """One loan worked out: every amount in euros with cents; ``final_payment`` is the n-th payment."""

    price: Decimal
    deposit: Decimal
    financed: Decimal
    apr: Decimal
    term_months: int
    monthly_payment: Decimal
    total_interest: Decimal
    total_payable: Decimal  # deposit + all payments
    final_payment: Decimal


@dataclass(frozen=True)
class Terms:
    """The terms a calculator starts from: a deposit as a share of the price, an APR in percent, a term."""

    deposit_percent: Decimal
    apr: Decimal
    term_months: int


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def quote(price: Decimal, deposit: Decimal, apr: Decimal, term_months: int) -> Quote:
    """Work out a loan of ``price - deposit`` at ``apr`` percent (nominal) over ``term_months`` months.

    Invalid (field "price", "deposit", "apr" or "term") unless price > 0, 0 <= deposit <= price, 0 <= apr < 100
    and 1 <= term_months <= 120. Rounding as the module says: the level payment rounded half-up to the cent, the
    final payment clearing the exact balance."""
    price, deposit, apr = Decimal(price), Decimal(deposit), Decimal(apr)
    if not price.is_finite() or price <= 0:
        raise Invalid("The price must be more than €0.", field="price")
    if not deposit.is_finite() or deposit < 0:
        raise Invalid("The deposit cannot be negative.", field="deposit")
    if deposit > price:
        raise Invalid(f"The deposit cannot be more than the price ({numbers.money(price)}).", field="deposit")
    if not apr.is_finite() or not 0 <= apr < APR_LIMIT:
        raise Invalid("The APR must be from 0 to less than 100 %.", field="apr")
    if isinstance(term_months, bool) or not isinstance(term_months, int) or not 1 <= term_months <= TERM_MAX:
        raise Invalid(f"The term must be from 1 to {TERM_MAX} months.", field="term")
    financed = price - deposit
    n = term_months
    with localcontext() as context:
        context.prec = PRECISION
        rate = apr / 100 / 12
        if rate == 0:
            payment = cents(financed / n)
            final = financed - payment * (n - 1)
        else:
            growth = (1 + rate) ** n
            payment = cents(financed * rate * growth / (growth - 1))
            before = (1 + rate) ** (n - 1)
            # the balance after n - 1 level payments, at the exact rate, then one more month's interest on it
            balance = financed * before - payment * (before - 1) / rate
            final = cents(balance * (1 + rate))
        paid = payment * (n - 1) + final
    return Quote(
        price=price,
        deposit=deposit,
        financed=financed,
        apr=apr,
        term_months=n,
        monthly_payment=payment,
        total_interest=paid - financed,
        total_payable=deposit + paid,
        final_payment=final,
    )


def default_terms() -> Terms:
    """The app's default terms: FINANCE_DEPOSIT_PERCENT, FINANCE_APR and FINANCE_TERM_MONTHS (checked at start by
    carsite.config)."""
    config = current_app.config
    return Terms(
        deposit_percent=Decimal(config["FINANCE_DEPOSIT_PERCENT"]),
        apr=Decimal(config["FINANCE_APR"]),
        term_months=int(config["FINANCE_TERM_MONTHS"]),
    )


def default_deposit(price: Decimal, terms: Terms) -> Decimal:
    """The deposit the terms start from: their share of the price, rounded half-up to the cent."""
    return cents(Decimal(price) * terms.deposit_percent / 100)


def from_per_month(price: Decimal, terms: Terms | None = None) -> Decimal:
    """The monthly payment of ``price`` on the default terms (or ``terms``): the "from €N / month" figure."""
    terms = terms or default_terms()
    price = Decimal(price)
    return quote(price, default_deposit(price, terms), terms.apr, terms.term_months).monthly_payment


APR_TEXT = re.compile(r"([0-9]{1,3})(?:[.,]([0-9]{1,2}))?", re.ASCII)
TERM_TEXT = re.compile(r"([0-9]{1,4})(?:\s*(?:months?|mo|m))?", re.ASCII | re.IGNORECASE)
SMALL_AMOUNT = re.compile(r"(?<![0-9.,])([0-9]{1,3})[.,]([0-9]{1,2})(?![0-9])", re.ASCII)


def parse_terms(
    values: Mapping[str, str], price: Decimal, defaults: Terms | None = None, *, locale: str = "en"
) -> tuple[dict[str, str], Quote | None, dict[str, str]]:
    """Read ``deposit``, ``apr`` and ``term`` as a person typed them (an empty or missing one takes its default)
    and work out the loan of ``price``.

    Returns (the values to show back in the form, the quote or None, field -> message). Never raises on bad input:
    a value that cannot be read, or that quote() refuses, gets a message under its own field."""
    terms = defaults or default_terms()
    price = Decimal(price)
    shown: dict[str, str] = {}
    errors: dict[str, str] = {}
    typed = {name: str(values.get(name) or "").strip()[:40] for name in FIELDS}

    deposit: Decimal | None = None
    if typed["deposit"]:
        shown["deposit"] = typed["deposit"]
        deposit = _amount(typed["deposit"], "Deposit", locale, errors)
    else:
        deposit = default_deposit(price, terms) if price > 0 else Decimal(0)
        shown["deposit"] = numbers.plain(deposit, locale)

    apr: Decimal | None = terms.apr
    if typed["apr"]:
        shown["apr"] = typed["apr"]
        apr = _apr(typed["apr"], errors)
    else:
        shown["apr"] = percent_text(terms.apr)

    term: int | None = terms.term_months
    if typed["term"]:
        shown["term"] = typed["term"]
        match = TERM_TEXT.fullmatch(typed["term"])
        term = int(match.group(1)) if match else None
        if term is None:
            errors["term"] = "The term is a whole number of months, e.g. 48."
    else:
        shown["term"] = str(terms.term_months)

    if errors or deposit is None or apr is None or term is None:
        return shown, None, errors
    try:
        return shown, quote(price, deposit, apr, term), errors
    except Invalid as refused:
        errors[refused.field or "price"] = refused.message
        return shown, None, errors


def _amount(text: str, label: str, locale: str, errors: dict[str, str]) -> Decimal | None:
    try:
        return numbers.read_price(text, label, locale)
    except numbers.NumberError as problem:
        # read_price asks whether "500.50" meant €500,500 (a car price is never that low), after reading the rest
        # of the text as an amount; a deposit may be that low, so the number it found with its cents is the deposit
        small = SMALL_AMOUNT.search(text) if problem.suggestion is not None else None
        if small:
            return Decimal(f"{small.group(1)}.{small.group(2)}")
        errors["deposit"] = problem.message
        return None


def _apr(text: str, errors: dict[str, str]) -> Decimal | None:
    match = APR_TEXT.fullmatch(text.removesuffix("%").strip())
    if match is None:
        errors["apr"] = "The APR is a percentage with at most two decimals, e.g. 6.9."
        return None
    whole, fraction = match.groups()
    return Decimal(f"{whole}.{fraction}" if fraction else whole)


def percent_text(value: Decimal) -> str:
    """A percentage as the form shows it: 6.9, 0, 12.5 (no trailing zeros)."""
    return format(value.normalize(), "f")


__all__ = ["Quote", "Terms", "default_terms", "from_per_month", "parse_terms", "quote"]
