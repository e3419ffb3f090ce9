"""Amounts and mileages as people type them, and as the site shows them, in the site's locale.

Reading (``read_price``, ``read_mileage``) is the same in every locale, because the rules below never need to
know which mark is the decimal one:

- Spaces of any kind (also non-breaking and narrow ones), ``,``, ``.`` and ``'`` may group thousands:
  "18 900", "18,900", "18.900", "18'900", "1.234.567". Every group after the first has exactly three digits.
- A single ``.`` or ``,`` followed by exactly three digits groups thousands ("18.900" is 18,900 everywhere:
  nobody writes a car price to a tenth of a cent).
- With both marks, the last one is the decimal mark ("18.900,50" and "18,900.50" are 18,900.50); one or two
  decimals only.
- A single mark followed by one or two digits is a decimal mark. A price with cents is fine ("18900.50"), but a
  car price under 1,000 written with decimals ("18.9", "18.90", "1,5") is almost surely a thousands number with a
  slip, so it is refused with a question: "Did you mean €18,900?". A mileage has no decimals.
- "k" multiplies by 1,000: "10k", "10 k", "1.5k", "1,5k".
- A price may carry € or EUR (or "euro"/"euros") before or after; a mileage may end in "km".
- Negative numbers, other currencies, absurd sizes and anything else get a plain message naming the field.

Showing (``money``, ``distance``, ``day``) follows ``LOCALES``: English style (€18,900) by default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

PRICE_MAX = Decimal(99_999_999)
MILEAGE_MAX = 3_000_000
CENTS_FLOOR = 1000  # a car price with decimals below this is asked about


@dataclass(frozen=True)
class Locale:
    """How numbers and dates look in one locale."""

    group: str  # thousands separator
    decimal: str
    money: str  # "{}" stands for the number
    day: str  # strftime pattern for a date
    months: tuple[str, ...]


MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LOCALES = {
    "en": Locale(",", ".", "€\u202f{}", "{d} {mon} {y}", MONTHS_EN),
    "de": Locale(".", ",", "{}\u00a0€", "{d:02}.{m:02}.{y}", MONTHS_EN),
    "fr": Locale("\u202f", ",", "{}\u00a0€", "{d:02}/{m:02}/{y}", MONTHS_EN),
}


class NumberError(ValueError):
    """A typed number that cannot be read; ``message`` is for the person, ``suggestion`` what they likely meant."""

    def __init__(self, message: str, suggestion: Decimal | int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
PRICE_UNIT = re.compile(r"^(?:€|euros?|eur)\s*|\s*(?:€|euros?|eur)$", re.IGNORECASE)
MILEAGE_UNIT = re.compile(r"\s*(?:km|kms|kilometres|kilometers)$", re.IGNORECASE)
OTHER_CURRENCY = re.compile(r"[$£¥₹]|\b(?:usd|gbp|chf|dollars?|pounds?)\b", re.IGNORECASE)
THOUSANDS = re.compile(r"\s*k$", re.IGNORECASE)
DIGITS = re.compile(r"[0-9]+", re.ASCII)
GROUPED = re.compile(r"[0-9]{1,3}(?:([ ,.'])[0-9]{3})(?:\1[0-9]{3})*", re.ASCII)


def read_price(text: str, label: str = "Price", locale: str = "en") -> Decimal:
    """A price in euros typed by a person; NumberError with a message naming ``label`` otherwise."""
    return _read(text, label, locale, mileage=False)


def read_mileage(text: str, label: str = "Mileage", locale: str = "en") -> int:
    """A whole number of kilometres typed by a person; NumberError with a message naming ``label`` otherwise."""
    return int(_read(text, label, locale, mileage=True))


def _read(text: str, label: str, locale: str, *, mileage: bool) -> Decimal:
    example = distance(150_000, locale) if mileage else money(18_900, locale)
    plain = f"{label} must be a number, e.g. {example}."
    raw = SPACES.sub(" ", text).strip()
    if not raw:
        raise NumberError(f"Enter {label.lower()}.")
    if len(raw) > 40:
        raise NumberError(plain)
    if not mileage and OTHER_CURRENCY.search(raw):
        raise NumberError(f"{label} is in euros (€).")
    unit = MILEAGE_UNIT if mileage else PRICE_UNIT
    raw = unit.sub("", raw, count=1).strip()
    if not mileage:
        raw = unit.sub("", raw, count=1).strip()  # "EUR 18900 €" is still one price
    if raw[:1] in ("-", "−", "–"):
        raise NumberError(f"{label} must not be negative.")
    raw = raw.lstrip("+").strip()
    factor = 1
    if THOUSANDS.search(raw):
        raw, factor = THOUSANDS.sub("", raw), 1000
    value, suggestion = _number(raw, thousands=factor == 1)
    if value is None:
        raise NumberError(plain)
    value *= factor
    top = Decimal(MILEAGE_MAX) if mileage else PRICE_MAX
    if value > top:
        shown = distance(int(top), locale) if mileage else money(top, locale)
        raise NumberError(f"{label} must be at most {shown}.")
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    if suggestion is not None and not mileage and value < CENTS_FLOOR:
        shown = money(suggestion, locale)
        raise NumberError(f"{label} “{text.strip()}” is not a usual car price. Did you mean {shown}?", suggestion)
    if mileage and value != value.to_integral_value():
        raise NumberError(f"{label} is a whole number of kilometres, e.g. {example}.")
    if value != value.quantize(Decimal("0.01")):
        raise NumberError(f"{label} has at most two decimals (cents).")
    return value


def _number(raw: str, *, thousands: bool) -> tuple[Decimal | None, int | None]:
    """The number in ``raw`` (None when it is none) and, for a single mark with one or two decimals, the thousands
    number the person may have meant ("18.9" → 18900)."""
    if DIGITS.fullmatch(raw):
        return Decimal(raw), None
    whole, mark, fraction = _split_decimals(raw)
    if whole is None:
        return None, None
    if DIGITS.fullmatch(whole):
        number = whole
    elif GROUPED.fullmatch(whole):
        number = re.sub(r"[ ,.']", "", whole)
        if mark and mark in whole:  # "1.234.56": one mark used both ways
            return None, None
    else:
        return None, None
    if not fraction:
        return Decimal(number), None
    if not thousands or number != whole:
        return Decimal(f"{number}.{fraction}"), None
    # "18.9" / "1,5": a thousands number with a slip; "950.50": the whole euros
    meant = int(number + fraction.ljust(3, "0")) if len(number) <= 2 else int(number)
    return Decimal(f"{number}.{fraction}"), meant


def _split_decimals(raw: str) -> tuple[str | None, str, str]:
    """(whole part, decimal mark, decimals): a last ``.`` or ``,`` followed by one or two digits (or by any digits
    when both marks appear and it is the last one) is the decimal mark."""
    match = re.fullmatch(r"(.+)([.,])([0-9]+)", raw)
    if match is None:
        return raw, "", ""
    whole, mark, digits = match.groups()
    other = "," if mark == "." else "."
    if len(digits) == 3 and other not in whole:
        return raw, "", ""  # a thousands group
    if len(digits) > 2 and other not in whole:
        return None, "", ""
    return whole, mark, digits


def _grouped(number: int, group: str) -> str:
    return f"{number:,}".replace(",", group)


def money(value: Decimal | int | float | None, locale: str = "en") -> str:
    """A price as the locale writes it: €18,900 or 18.900 € (cents only when there are any)."""
    if value is None:
        return ""
    style = LOCALES.get(locale, LOCALES["en"])
    value = Decimal(value)
    whole = int(abs(value))
    text = _grouped(whole, style.group)
    if value != value.to_integral_value():
        text += style.decimal + f"{abs(value) - whole:.2f}"[2:]
    return ("-" if value < 0 else "") + style.money.format(text)


def plain(value: Decimal | int, locale: str = "en") -> str:
    """A number grouped as the locale groups it, with no unit (18,900 or 18.900,50), as a form field shows it:
    ``read_price`` and ``read_mileage`` read it back the same in every locale."""
    text = money(value, locale)
    style = LOCALES.get(locale, LOCALES["en"])
    prefix, _, suffix = style.money.partition("{}")
    return text.removeprefix(prefix).removesuffix(suffix)


def distance(value: int | None, locale: str = "en") -> str:
    """A mileage as the locale writes it: 150,000 km."""
    if value is None:
        return ""
    return f"{_grouped(int(value), LOCALES.get(locale, LOCALES['en']).group)}\u00a0km"


def count(value: int, locale: str = "en") -> str:
    """A plain count with the locale's grouping."""
    return _grouped(int(value), LOCALES.get(locale, LOCALES["en"]).group)


def day(value: date | datetime | None, locale: str = "en") -> str:
    """A date as the locale writes it: 2 Dec 2026 or 02.12.2026."""
    if value is None:
        return ""
    style = LOCALES.get(locale, LOCALES["en"])
    return style.day.format(d=value.day, m=value.month, mon=style.months[value.month - 1], y=value.year)


def month(value: date | datetime, locale: str = "en") -> str:
    """A month and year: Dec 2026."""
    return f"{LOCALES.get(locale, LOCALES['en']).months[value.month - 1]} {value.year}"
