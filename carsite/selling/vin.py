"""Vehicle identification numbers: the format, the check digit where it is mandatory, and what can be read from a
VIN offline (manufacturer, country, model year candidates) to pre-fill the listing form.

ISO 3779 gives every VIN 17 characters (never I, O or Q). The 9th is a check digit only where the law makes it one:
North America (49 CFR 565, WMIs starting 1–5) and China (GB 16735, WMIs starting L). There a wrong digit is an
error; elsewhere (most European VINs carry a filler such as Z) it is only worth a warning. The 10th character is the
model year in the same regions; European makers need not encode it, so there the years are candidates, not facts.
The manufacturer and country come from the ``vininfo`` package's bundled WMI tables (no network).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from vininfo import Vin
from vininfo.exceptions import VininfoException

FORMAT = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
CHECK_DIGIT_REGIONS = ("1", "2", "3", "4", "5", "L")  # first character: North America, China

# vininfo names manufacturers as registered; listings name makes as people do.
MANUFACTURER_MAKES = {
    "daimlerchrysler ag/daimler ag": "Mercedes-Benz",
    "daimler ag": "Mercedes-Benz",
    "mercedes-benz": "Mercedes-Benz",
    "porsche car": "Porsche",
    "fiat automobiles": "Fiat",
    "volvo cars": "Volvo",
    "škoda": "Skoda",
    "seat": "Seat",
    "mini": "Mini",
}


def normalise(raw: str) -> str:
    """A VIN as people type it (spaces, hyphens, lower case) in its canonical form."""
    return re.sub(r"[\s-]+", "", raw or "").upper()


def check_digit(vin: str) -> str:
    """The ISO 3779 check digit (position 9) a 17-character VIN carries where one is required."""
    total = sum(VALUES[c] * w for c, w in zip(vin, WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def format_problem(vin: str) -> str | None:
    """Why a normalised VIN cannot be one (None when the shape is right)."""
    if len(vin) != 17:
        return f"A VIN has 17 characters; this one has {len(vin)}."
    if not FORMAT.fullmatch(vin):
        wrong = sorted({c for c in vin if c in "IOQ"})
        if wrong:
            return f"A VIN never contains {', '.join(wrong)} (they look like 1 and 0): please check it."
        return "A VIN has 17 letters and digits only."
    return None


@dataclass(frozen=True)
class Decoded:
    """What a well-formed VIN says."""

    vin: str
    manufacturer: str | None  # as the WMI register names it
    make: str | None  # as a listing would name it (None when unknown)
    country: str | None
    years: tuple[int, ...]  # model year candidates, newest first, none after next year
    check_digit_required: bool
    check_digit_ok: bool

    @property
    def years_are_certain(self) -> bool:
        """Where the 10th character must be the model year (and only one candidate is plausible)."""
        return self.check_digit_required and len(self.years) == 1

    def warning(self) -> str | None:
        """A note for a check digit that does not match where none is required."""
        if self.check_digit_ok or self.check_digit_required:
            return None
        return (
            "The 9th character is not the check digit that VINs from North America must carry; many European VINs "
            "do not carry one, so this may be right. Please check the VIN for typos."
        )


def decode(vin: str) -> Decoded:
    """What can be read offline from a well-formed VIN (``format_problem`` is None)."""
    manufacturer = country = None
    years: tuple[int, ...] = ()
    try:
        info = Vin(vin)
        manufacturer = info.manufacturer if info.manufacturer not in ("", "UnsupportedBrand") else None
        country = info.country or None
        latest = date.today().year + 1
        years = tuple(sorted((y for y in info.years if 1980 <= y <= latest), reverse=True))
    except (VininfoException, KeyError, ValueError):  # an unassigned WMI: nothing to read, still a VIN
        pass
    required = vin[0] in CHECK_DIGIT_REGIONS
    return Decoded(
        vin=vin,
        manufacturer=manufacturer,
        make=_make(manufacturer),
        country=country,
        years=years,
        check_digit_required=required,
        check_digit_ok=vin[8] == check_digit(vin),
    )


def _make(manufacturer: str | None) -> str | None:
    if not manufacturer:
        return None
    key = manufacturer.strip().lower()
    return MANUFACTURER_MAKES.get(key, manufacturer.strip())


def problem(raw: str) -> tuple[str, str | None, str | None]:
    """(normalised VIN, error, warning) for a VIN a seller typed: an error refuses the listing (wrong shape, or a
    wrong check digit where one is mandatory); a warning lets it through with a note."""
    vin = normalise(raw)
    error = format_problem(vin)
    if error:
        return vin, error, None
    decoded = decode(vin)
    if decoded.check_digit_required and not decoded.check_digit_ok:
        return vin, "This VIN's check digit (9th character) does not match; please check it for typos.", None
    return vin, None, decoded.warning()
