"""Car search: parameters (one specification for the page, the API and the OpenAPI document), interpretation of
free text (makes, models, years, fuels and bodies become filters, typos forgiven), results with keyset cursors, and
facet counts. No HTTP here: a wrong parameter is a domain ``Invalid`` naming the parameter."""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from .. import db
from ..domain import kept, places, versions
from ..domain.errors import Invalid
from ..domain.numbers import NumberError, read_mileage, read_price
from ..domain.paging import integer, pack, row_id, timestamp, unpack
from ..domain.vocabulary import (
    BODIES,
    CONDITIONS,
    EMISSION_CLASSES,
    FEATURES,
    FUELS,
    SELLER_TYPES,
    TRANSMISSIONS,
)
from .terms import catalogue as terms_catalogue

SORTS = ("relevance", "newest", "price_asc", "price_desc", "mileage_asc", "year_desc")
SORT_LABELS = {
    "relevance": "Best match",
    "newest": "Newest first",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "mileage_asc": "Mileage: low to high",
    "year_desc": "Year: newest",
}
CATEGORICAL = ("make", "model", "fuel", "transmission", "body", "colour", "condition")
FACET_SAMPLE = 400
FACET_WINDOW = 30_000  # newest listed cars a facet sample looks through when there is no text
FACETS_KEPT = 256  # facet counts kept per process (each some kB)
MATCH_SCORE = 0.8  # edit similarity needed to read a word as a make or model (typos yes, other words no)
PAIR_MATCH_SCORE = 0.9
WORD_FILTERS = {
    "diesel": ("fuel", "diesel"),
    "petrol": ("fuel", "petrol"),
    "gasoline": ("fuel", "petrol"),
    "electric": ("fuel", "electric"),
    "ev": ("fuel", "electric"),
    "hybrid": ("fuel", "hybrid"),
    "lpg": ("fuel", "lpg"),
    "automatic": ("transmission", "automatic"),
    "manual": ("transmission", "manual"),
    "estate": ("body", "estate"),
    "wagon": ("body", "estate"),
    "suv": ("body", "suv"),
    "sedan": ("body", "sedan"),
    "saloon": ("body", "sedan"),
    "hatchback": ("body", "hatchback"),
    "coupe": ("body", "coupe"),
    "convertible": ("body", "convertible"),
    "cabrio": ("body", "convertible"),
    "van": ("body", "van"),
    "pickup": ("body", "pickup"),
    "minivan": ("body", "minivan"),
    "new": ("condition", "new"),
    "used": ("condition", "used"),
}


# Words that are also the names of models somewhere ("one", "up", "e", "air", "note"): read as a model only next to
# their make ("mini one", "vw up", "honda e"); alone they stay search words. Numbers and words of one or two
# letters ("3", "x5") likewise need their make.
EVERYDAY_WORDS = frozenset(
    "one up e air note fit escape pilot journey sky seven legacy spark edge hatch roadster spider coupe "  # noqa: SIM905
    "california kombi clubman insight touring sport plus city family electric van".split()
)
# Words never worth a fuzzy look-up in the catalogue (a look-up of a word costs about 1 ms).
STOP_WORDS = frozenset(
    "and with the for from under over in at to of a an or km year years owner owners seat seats door "  # noqa: SIM905
    "doors tyres wheels miles service history".split()
)
DEFAULT_RADIUS_KM = 50
PLACE_WORD_RADIUS_KM = 30  # a city named in q ("golf berlin") means the city and its outskirts
PLACE_WORD_POPULATION = 100_000  # only larger cities are read out of q, and never these words:
NOT_PLACES = frozenset(
    {"nice", "reading", "split", "bath", "van", "mobile", "orange", "sale", "best", "mode", "university"}
)
DOOR_GROUPS = ("2-3", "4-5", "6-7")
RADII_KM = (10, 25, 50, 100, 200, 500)  # offered on the page; the API takes any radius
# The filters the page groups under "More filters" (the panel opens when one is set).
MORE_FILTERS = (
    "seller_type",
    "power_min",
    "power_max",
    "owners_max",
    "registered_from",
    "registered_to",
    "accident_free",
    "doors",
    "seats_min",
    "emission_min",
    "photos",
    "feature",
)
MONTH = re.compile(r"(\d{4})-(\d{1,2})|(\d{1,2})[./](\d{4})|(\d{4})")
FLAG_TRUE = ("1", "true", "yes", "on")
FLAG_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Param:
    """One search parameter: how it is parsed and how the OpenAPI document describes it."""

    name: str
    kind: str  # text, int, number, enum, month (YYYY-MM), flag (true when given), list (repeated, of choices)
    description: str
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()


PARAMS: tuple[Param, ...] = (
    Param(
        "q",
        "text",
        'Free text: words, "quoted phrases", -excluded words. Makes, models, years, fuels and body '
        "types in it become filters; small typos in makes and models are forgiven. Limits in words become "
        'filters too: "under 10000" / "below 10k" (price_max), "over 5000" (price_min), "max 50000 km" '
        '(mileage_max), "from 2018" / "before 2015" (year_min / year_max); a parameter set as well wins.',
        max_length=200,
    ),
    Param(
        "make",
        "text",
        "Make, e.g. Volkswagen: a name of the catalogue (GET /api/v1/makes) or an alias (vw, mercedes), any case.",
        max_length=40,
    ),
    Param(
        "model",
        "text",
        "Model, e.g. Golf: a name of the catalogue or an alias (3er, C-Klasse, Model3), any case.",
        max_length=60,
    ),
    Param("year_min", "int", "First registration year, at least.", 1886, 2100),
    Param("year_max", "int", "First registration year, at most.", 1886, 2100),
    Param("price_min", "number", "Price in EUR, at least.", 0, 100_000_000),
    Param("price_max", "number", "Price in EUR, at most.", 0, 100_000_000),
    Param("mileage_max", "int", "Mileage in km, at most.", 0, 3_000_000),
    Param("fuel", "enum", "Fuel type.", choices=FUELS),
    Param("transmission", "enum", "Gearbox.", choices=TRANSMISSIONS),
    Param("body", "enum", "Body type.", choices=BODIES),
    Param("colour", "text", "Colour, e.g. blue.", max_length=30),
    Param("condition", "enum", "New or used.", choices=CONDITIONS),
    Param("city", "text", "City (exact, any letter case).", max_length=80),
    Param(
        "near",
        "text",
        "A city to search around (any letter case, accents optional: Munich, München, Muenchen); an unknown place "
        "is refused with a message on this field. Cars without a known location are left out.",
        max_length=80,
    ),
    Param("radius_km", "int", f"Distance from near in km (default {DEFAULT_RADIUS_KM}).", 1, 1000),
    Param("seller_type", "enum", "Private seller or dealer.", choices=SELLER_TYPES),
    Param("power_min", "int", "Power in kW, at least (1 kW = 1.36 hp).", 1, 2000),
    Param("power_max", "int", "Power in kW, at most.", 1, 2000),
    Param("owners_max", "int", "Number of owners so far, at most.", 0, 9),
    Param("registered_from", "month", "First registration, in or after this month (YYYY-MM)."),
    Param("registered_to", "month", "First registration, in or before this month (YYYY-MM)."),
    Param("accident_free", "flag", "Only cars their seller states are accident free (true)."),
    Param("doors", "enum", "Number of doors.", choices=DOOR_GROUPS),
    Param("seats_min", "int", "Seats, at least.", 1, 9),
    Param(
        "emission_min", "enum", "Emission class, at least (euro6 also finds euro6c … euro6e).", choices=EMISSION_CLASSES
    ),
    Param("photos", "flag", "Only cars with photos (true)."),
    Param("feature", "list", "A feature the car has; repeat for several (all must be there).", choices=FEATURES),
    Param("sort", "enum", "Order of results; relevance needs q (else newest).", choices=SORTS),
    Param("cursor", "text", "Opaque cursor from the previous page's next_cursor.", max_length=200),
    Param("limit", "int", "Results per page.", 1, 100),
)


@dataclass(frozen=True)
class Search:
    """A validated search. ``text`` is what is left of ``q`` for full-text matching after filters were taken out."""

    q: str | None = None
    make: str | None = None
    model: str | None = None
    year_min: int | None = None
    year_max: int | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    mileage_max: int | None = None
    fuel: str | None = None
    transmission: str | None = None
    body: str | None = None
    colour: str | None = None
    condition: str | None = None
    city: str | None = None
    near: str | None = None
    radius_km: int | None = None
    seller_type: str | None = None
    power_min: int | None = None
    power_max: int | None = None
    owners_max: int | None = None
    registered_from: str | None = None  # YYYY-MM
    registered_to: str | None = None
    accident_free: bool | None = None
    doors: str | None = None
    seats_min: int | None = None
    emission_min: str | None = None
    photos: bool | None = None
    feature: tuple[str, ...] = ()
    sort: str = "newest"
    cursor: str | None = None
    limit: int = 24
    text: str | None = None
    understood: tuple[str, ...] = field(default=())  # what was read out of q, for "Showing results for …"
    place: places.Place | None = None  # what near means, once interpreted
    place_error: str | None = None  # near names no place we know: the message for next to the field

    def filters(self) -> dict[str, Any]:
        """The parameters shared by the search queries."""
        values = {
            name: getattr(self, name)
            for name in (
                "make",
                "model",
                "year_min",
                "year_max",
                "price_min",
                "price_max",
                "mileage_max",
                "fuel",
                "transmission",
                "body",
                "colour",
                "condition",
                "city",
                "text",
                "power_min",
                "power_max",
            )
        }
        for name in ("registered_from", "registered_to"):
            month = getattr(self, name)
            values[name] = int(month.replace("-", "")) if month else None
        if self.registered_from:  # the year bound too, which the planner can estimate and the year index serves
            values["year_min"] = max(values["year_min"] or 0, int(self.registered_from[:4]))
        if self.registered_to:
            values["year_max"] = min(values["year_max"] or 9999, int(self.registered_to[:4]))
        values.update(tag_filters(self))
        radius = self.radius_km or DEFAULT_RADIUS_KM
        area = places.box(self.place, radius) if self.place else None
        values.update(
            near_lat=self.place.latitude if self.place else None,
            near_lon=self.place.longitude if self.place else None,
            radius_km=radius if self.place else None,
            lat_min=area.lat_min if area else None,
            lat_max=area.lat_max if area else None,
            lon_min=area.lon_min if area else None,
            lon_max=area.lon_max if area else None,
        )
        return values

    def active(self) -> dict[str, Any]:
        """The parameters a person set (for links that keep the search): no cursor, no defaults; a list parameter
        as a list, flags as "1"."""
        values = {p.name: getattr(self, p.name) for p in PARAMS if p.name not in ("cursor", "limit")}
        values.update({name: "1" if values[name] else None for name in ("accident_free", "photos")})
        values["feature"] = list(self.feature) or None
        if self.understood:  # words read as filters are carried as those filters; the rest stays text
            values["q"] = self.text
        if values["sort"] == "newest":
            values["sort"] = None
        if not self.near:  # a distance means nothing without a place (the form always sends one)
            values["radius_km"] = None
        return {k: v for k, v in values.items() if v is not None and v != ""}


def tag_filters(search: Search) -> dict[str, list[str] | None]:
    """The filter tags a search asks for, spelled as the filter_tags column spells them (migration 0024): ``tags``
    all of which a car must carry, and groups of which it must carry any (NULL: filter off); and the ``features``
    a car must all have (searched in cars.features)."""
    wanted = [
        *([f"seller:{search.seller_type}"] if search.seller_type else []),
        *([f"doors:{search.doors}"] if search.doors else []),
        *(["accident_free"] if search.accident_free else []),
        *(["photos"] if search.photos else []),
    ]
    seats = [f"seats:{n}" for n in range(search.seats_min, 10)] if search.seats_min is not None else None
    owners = [f"owners:{n}" for n in range(search.owners_max + 1)] if search.owners_max is not None else None
    emission = (
        [f"emission:{c}" for c in EMISSION_CLASSES[EMISSION_CLASSES.index(search.emission_min) :]]
        if search.emission_min
        else None
    )
    return {
        "tags": wanted or None,
        "seats_any": seats,
        "owners_any": owners,
        "emission_any": emission,
        "features": list(search.feature) or None,
    }


def _given(args: Any, param: Param) -> list[str]:
    """Every value of a repeatable parameter (feature=…&feature=…) as sent."""
    return list(args.getlist(param.name)) if hasattr(args, "getlist") else []


def _repeated(args: Any, param: Param, label: str | None = None) -> tuple[Any, ...]:
    """A repeatable parameter's values, each read once, blanks left out; Invalid for one that is not a choice."""
    given = (v.strip() for v in _given(args, param))
    return tuple(_value(param, v, label) for v in dict.fromkeys(v for v in given if v))


def parse(args: Any, default_limit: int = 24, blank_is_unset: bool = True) -> Search:
    """Validate query-string arguments into a Search; Invalid naming the parameter for anything wrong.

    The page's form sends empty fields for "any"; the API (blank_is_unset=False) refuses them, as its document says.
    """
    values: dict[str, Any] = {}
    for param in PARAMS:
        if param.kind == "list":
            if not blank_is_unset and any(not v.strip() for v in _given(args, param)):
                raise Invalid(f"{param.name} must not be empty; leave it out for any.", field=param.name)
            if repeated := _repeated(args, param):
                values[param.name] = repeated
            continue
        raw = args.get(param.name)
        if raw is None:
            continue
        if raw.strip() == "":
            if blank_is_unset or param.name in ("q", "cursor"):
                continue
            raise Invalid(f"{param.name} must not be empty; leave it out for any.", field=param.name)
        values[param.name] = _value(param, raw.strip())
    search = Search(**values) if "limit" in values else Search(**values, limit=default_limit)
    for low, high in RANGES:
        if values.get(low) is not None and values.get(high) is not None and values[low] > values[high]:
            raise Invalid(f"{low} must not be greater than {high}.", field=low)
    if search.q and search.sort == "newest" and "sort" not in values:
        search = replace(search, sort="relevance")
    return search


# What the API takes for numbers, as its document says: numbers as JSON writes them (18900, 18900.5, 1.89e4), no
# thousands separators, currency signs or "k". The page reads numbers as people type them (carsite.domain.numbers).
API_NUMBER_FORMS = {
    "int": "Plain digits, e.g. 150000: no separators or units.",
    "number": "A number as JSON writes it, e.g. 18900 or 18900.50: no thousands separators, currency signs or "
    "'k' (the web page reads those).",
}


def _value(param: Param, raw: str, label: str | None = None) -> Any:
    """One parameter's value; Invalid whose message names ``label`` (the parameter's name for the API)."""
    label = label or param.name
    if param.kind == "text":
        if param.max_length and len(raw) > param.max_length:
            raise Invalid(f"{label} must be at most {param.max_length} characters.", field=param.name)
        if any(ord(c) < 32 for c in raw):
            raise Invalid(f"{label} must not contain control characters.", field=param.name)
        return raw
    if param.kind == "month":
        return _month(param, raw)
    if param.kind == "flag":
        if raw.lower() in FLAG_TRUE:
            return True
        if raw.lower() in FLAG_FALSE:
            return None
        raise Invalid(f"{label} must be true or false.", field=param.name)
    if param.kind in ("enum", "list"):
        if raw not in param.choices:
            raise Invalid(f"{label} must be one of: {', '.join(param.choices)}.", field=param.name)
        return raw
    try:
        number: Any = int(raw) if param.kind == "int" else Decimal(raw)
    except (ValueError, InvalidOperation):
        kind = "a whole number" if param.kind == "int" else "a number"
        raise Invalid(f"{label} must be {kind}.", field=param.name) from None
    if param.kind == "number" and not number.is_finite():
        raise Invalid(f"{label} must be a number.", field=param.name)
    if not (param.minimum <= number <= param.maximum):
        low, high = (f"{n:,}" if (n or 0) >= 10_000 else str(n) for n in (param.minimum, param.maximum))
        raise Invalid(f"{label} must be between {low} and {high}.", field=param.name)
    return number


# -- the search page: every problem is kept next to its field, and the rest of the search still runs -----------------

FIELD_LABELS = {
    "q": "Search words",
    "make": "Make",
    "model": "Model",
    "year_min": "Year from",
    "year_max": "Year to",
    "price_min": "Price from",
    "price_max": "Price to",
    "mileage_max": "Mileage up to",
    "fuel": "Fuel",
    "transmission": "Gearbox",
    "body": "Body type",
    "colour": "Colour",
    "condition": "Condition",
    "city": "City",
    "near": "Near",
    "radius_km": "Distance",
    "seller_type": "Sold by",
    "power_min": "Power from",
    "power_max": "Power to",
    "owners_max": "Owners up to",
    "registered_from": "Registered from",
    "registered_to": "Registered to",
    "accident_free": "Accident free",
    "doors": "Doors",
    "seats_min": "Seats from",
    "emission_min": "Emission class from",
    "photos": "With photos",
    "feature": "Feature",
    "sort": "Sort order",
    "cursor": "Page",
    "limit": "Results per page",
}
TYPED_NUMBERS = {"price_min": read_price, "price_max": read_price, "mileage_max": read_mileage}
RANGES = (
    ("year_min", "year_max"),
    ("price_min", "price_max"),
    ("power_min", "power_max"),
    ("registered_from", "registered_to"),
)


def field_label(name: str) -> str:
    """A parameter's name in words, as the page's form labels it."""
    return FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of the page, and (for "Did you mean …?") the value to offer instead."""

    field: str
    message: str
    suggestion: str | None = None


@dataclass(frozen=True)
class PageSearch:
    """The search a page runs (what could be read), the fields it could not read, and notes on what was changed."""

    search: Search
    problems: dict[str, Problem]
    notes: tuple[str, ...] = ()
    swapped: tuple[str, ...] = ()


def parse_page(args: Any, default_limit: int = 24, locale: str = "en") -> PageSearch:
    """Read the page's query string as people type it: prices and mileages in the forms ``numbers`` reads, a wrong
    value set aside with a message in words (the search runs without it), a from above its to swapped."""
    values: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    for param in PARAMS:
        if param.kind == "list":
            try:
                if repeated := _repeated(args, param, field_label(param.name)):
                    values[param.name] = repeated
            except Invalid as exc:
                problems[param.name] = Problem(param.name, exc.message)
            continue
        raw = args.get(param.name)
        if raw is None or raw.strip() == "":
            continue
        try:
            reader = TYPED_NUMBERS.get(param.name)
            if reader is not None:
                values[param.name] = reader(raw, field_label(param.name), locale)
            else:
                values[param.name] = _value(param, raw.strip(), field_label(param.name))
        except NumberError as exc:
            suggestion = None if exc.suggestion is None else str(exc.suggestion)
            problems[param.name] = Problem(param.name, exc.message, suggestion)
        except Invalid as exc:
            problems[param.name] = Problem(param.name, exc.message)
    notes, swapped = [], []
    for low, high in RANGES:
        if values.get(low) is not None and values.get(high) is not None and values[low] > values[high]:
            values[low], values[high] = values[high], values[low]
            notes.append(f"{field_label(low)} was above {field_label(high).lower()}, so they were swapped.")
            swapped += [low, high]
    search = Search(**values) if "limit" in values else Search(**values, limit=default_limit)
    if search.q and search.sort == "newest" and "sort" not in values:
        search = replace(search, sort="relevance")
    return PageSearch(search, problems, tuple(notes), tuple(swapped))


def checked_cursor(search: Search) -> tuple[Search, Problem | None]:
    """The search with its cursor, or from the first page with a problem when the cursor is not valid for it."""
    try:
        cursor_position(search)
    except Invalid:
        message = "That page link is not valid for this search (it may be out of date); showing the first page."
        return replace(search, cursor=None), Problem("cursor", message)
    return search, None


def _month(param: Param, raw: str) -> str:
    """A month as YYYY-MM, from "2019-06", "06/2019", "6.2019" or a bare year (January, or December for a 'to')."""
    match = MONTH.fullmatch(raw)
    if match:
        year = int(match.group(1) or match.group(4) or match.group(5))
        month = int(match.group(2) or match.group(3) or (12 if param.name.endswith("_to") else 1))
        if 1886 <= year <= 2100 and 1 <= month <= 12:
            return f"{year:04d}-{month:02d}"
    raise Invalid(f"{field_label(param.name)} must be a month such as 2019-06.", field=param.name)


# -- reading free text ---------------------------------------------------------------------------------------------

YEAR = re.compile(r"(19[0-9]{2}|20[0-9]{2})")
WORD = re.compile(r"[\w.-]+", re.UNICODE)


def interpret(search: Search) -> Search:
    """Turn makes, models, years, fuels and bodies named in q into filters (aliases in any language and typos in
    makes and models forgiven, from the catalogue), and price, mileage and year limits ("under 10k", "max 50000
    km", "from 2018"); make/model parameters in any case or alias ("vw", "3er") become the catalogue's spelling;
    the rest of q stays full text. ``q`` itself stays as typed."""
    quoted = '"' in (search.q or "")  # inside "a quoted phrase", under 10000 is words to find
    limits, rest, phrases = read_limits(search.q or "") if not quoted else ({}, "", ())
    if not phrases:
        return _interpret_words(search)
    unset = {name: value for name, value in limits.items() if getattr(search, name) is None}  # a field wins
    if "year_min" in unset or "year_max" in unset:  # a year range in words replaces a single year in words
        unset.setdefault("year_min", search.year_min)
        unset.setdefault("year_max", search.year_max)
    read = _interpret_words(replace(search, q=rest or None, **unset))
    return replace(read, q=search.q, understood=phrases + read.understood)


def _interpret_words(search: Search) -> Search:
    """``interpret`` for the makes, models, years and vocabulary words of q."""
    words = WORD.findall(search.q or "") if search.q and not _is_advanced(search.q) else []
    terms = [f"{a} {b}" for a, b in itertools.pairwise(words)] + words
    lookups = [t for t in (search.make, search.model) if t] + terms
    if not lookups:
        return _locate(_settle_sort(replace(search, text=search.q)))
    fuzzy = [w for w in words if _worth_fuzzy(w)]
    matches = terms_catalogue().match(lookups, fuzzy)
    changes = _canonical_parameters(search, matches)
    understood: list[str] = []
    used: set[int] = set()
    for index, term in enumerate(terms):
        # terms are the word pairs first, then the single words; a word serves one filter only
        positions = {index, index + 1} if index < len(words) - 1 else {index - max(len(words) - 1, 0)}
        if positions & used:
            continue
        taken = _read_term(term, matches.get(term.lower()), search, changes)
        if taken:
            changes.update(taken)
            used |= positions
            understood.append(term)
    rest = " ".join(w for i, w in enumerate(words) if i not in used) if words else search.q
    if "near" in changes and search.radius_km is None:
        changes["radius_km"] = PLACE_WORD_RADIUS_KM
    return _locate(_settle_sort(replace(search, **changes, text=rest or None, understood=tuple(understood))))


def _locate(search: Search) -> Search:
    """The place ``near`` names (the search then keeps its name as the place list spells it), or the message for
    a place the list does not know (the search then runs without the radius)."""
    if not search.near:
        return search
    place = places.find(search.near)
    if place is None:
        return replace(
            search,
            place_error=f"We don't know a place called “{search.near}”. Try the name of the nearest town or city.",
        )
    return replace(search, place=place)


def place_word(term: str) -> places.Place | None:
    """The city a word of q names: larger cities only, and never words that also mean something else ("nice")."""
    if term.lower() in NOT_PLACES or term.isdigit():
        return None
    place = places.find(term)
    return place if place and place.population >= PLACE_WORD_POPULATION else None


# "under 10000", "below 10k", "max 50000 km", "from 2018", "less than €8,000": an amount is digits grouped in
# thousands or with a decimal mark, an optional k, an optional unit; words before it say which limit it is.
AMOUNT = (
    r"(?:€\s*|eur\s+)?"
    r"(?P<number>[0-9]{1,3}(?:[.,' \u00a0\u202f][0-9]{3})+(?:[.,][0-9]{1,2})?|[0-9]+(?:[.,][0-9]{1,2})?)"
    r"(?P<k>\s*k)?(?:\s*(?P<unit>km|kms|€|eur|euros?)(?!\w))?"
)
LIMIT = re.compile(
    r"(?<!\w)(?P<word>under|below|less than|cheaper than|up to|at most|max(?:imum)?|not over|<"
    r"|over|above|more than|at least|min(?:imum)?|from|since|after|newer than|before|until|older than|>)"
    r"\s*" + AMOUNT + r"(?!\w)",
    re.IGNORECASE,
)
UPPER_WORDS = {"under", "below", "less than", "cheaper than", "up to", "at most", "max", "maximum", "not over", "<"}
YEAR_WORDS = {"from": 0, "since": 0, "after": 1, "newer than": 1, "before": -1, "until": 0, "older than": -1}


def read_limits(q: str) -> tuple[dict[str, Any], str, tuple[str, ...]]:
    """The price, mileage and year limits written in q as words, q without them, and the phrases read.

    A four-digit number from 1900 to 2099 after from / since / after / newer than / before / until / older than is
    a year; a number with km a mileage (upper limits only: there is no minimum mileage filter); any other number
    a price. A phrase that says nothing usable ("over 100000 km", "under 1.2.3") stays text."""
    found: dict[str, Any] = {}
    phrases: list[str] = []

    def take(match: re.Match[str]) -> str:
        limit = _limit(match)
        if limit is None or limit[0] in found:
            return match.group(0)
        found[limit[0]] = limit[1]
        phrases.append(match.group(0).strip())
        return " "

    rest = LIMIT.sub(take, q)
    return found, " ".join(rest.split()), tuple(phrases)


def _limit(match: re.Match[str]) -> tuple[str, Any] | None:
    """(filter, value) for one phrase of LIMIT, or None when it names no filter."""
    word = " ".join(match["word"].lower().split())
    number, unit, thousands = match["number"], (match["unit"] or "").lower(), bool(match["k"])
    upper = word in UPPER_WORDS
    if word in YEAR_WORDS and not unit and not thousands and YEAR.fullmatch(number):
        year = int(number) + YEAR_WORDS[word]
        return ("year_max" if word in ("before", "until", "older than") else "year_min"), year
    try:
        if unit.startswith("km"):
            return ("mileage_max", read_mileage(number + ("k" if thousands else ""))) if upper else None
        price = read_price(number + ("k" if thousands else ""))
    except NumberError:
        return None
    if word in ("before", "until", "older than", "newer than"):
        return None
    return ("price_max" if upper else "price_min"), price


def _worth_fuzzy(word: str) -> bool:
    """Whether a word of q is worth a look for typos among the catalogue's names."""
    lowered = word.lower()
    return (
        len(lowered) >= 4
        and not lowered.isdigit()
        and lowered not in WORD_FILTERS
        and lowered not in STOP_WORDS
        and lowered not in EVERYDAY_WORDS
    )


def _canonical_parameters(search: Search, matches: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """make and model parameters as the catalogue spells them, when they are a name or alias of it ("vw",
    "mercedes", "3er" with make=BMW); others stay as given (and match nothing)."""
    changes: dict[str, Any] = {}
    if search.make:
        exact = [c["make"] for c in matches.get(search.make.lower(), {}).get("make", []) if c["exact"]]
        if exact:
            changes["make"] = exact[0]
    if search.model:
        make = changes.get("make", search.make)
        exact = [
            c
            for c in matches.get(search.model.lower(), {}).get("model", [])
            if c["exact"] and (make is None or c["make"] == make)
        ]
        if exact:
            changes["model"] = exact[0]["model"]
    return changes


def _settle_sort(search: Search) -> Search:
    """With no words left to rank by, relevance means newest first (keeping a cursor only if made for that order)."""
    if search.sort == "relevance" and not search.text:
        return replace(search, sort="newest", cursor=search.cursor if _cursor_sort(search) == "newest" else None)
    return search


def _read_term(term: str, found: dict[str, list] | None, search: Search, changes: dict[str, Any]) -> dict[str, Any]:
    """The filters one search term stands for (empty when it is just text)."""
    make = changes.get("make") or search.make
    word = term.lower()
    needed = PAIR_MATCH_SCORE if " " in term else MATCH_SCORE  # a word pair must match as a whole
    needs_make = " " not in word and (len(word) <= 2 or word.isdigit() or word in EVERYDAY_WORDS)
    if " " not in word and word in WORD_FILTERS:  # "coupe", "electric": the filter, not a model of that name
        found = None
    model = _best(term, (found or {}).get("model", []), "model")
    make_match = _best(term, (found or {}).get("make", []), "make")
    free_model = not search.model and "model" not in changes
    if (
        model
        and model[0] >= needed
        and model[0] >= (make_match or (0,))[0]
        and free_model
        and make in ((model[1]["make"],) if needs_make else (None, model[1]["make"]))
    ):
        return {"model": model[1]["model"], "make": model[1]["make"]}
    if make_match and make_match[0] >= needed and make in (None, make_match[1]["make"]):
        return {"make": make_match[1]["make"]}
    if " " in word:
        return _place_term(term, search, changes)
    if YEAR.fullmatch(word) and search.year_min is None and search.year_max is None and "year_min" not in changes:
        return {"year_min": int(word), "year_max": int(word)}
    if word in WORD_FILTERS:
        name, value = WORD_FILTERS[word]
        if getattr(search, name) is None and name not in changes:
            return {name: value}
        return {}
    return _place_term(term, search, changes)


def _place_term(term: str, search: Search, changes: dict[str, Any]) -> dict[str, Any]:
    """``near`` for a city named in q ("golf berlin"), unless a place or city is chosen already."""
    if search.near or search.city or "near" in changes:
        return {}
    place = place_word(term)
    return {"near": place.name} if place else {}


def _best(term: str, candidates: list[dict[str, Any]], kind: str) -> tuple[float, dict[str, Any]] | None:
    """The candidate closest to the term (1.0 for a name or alias it reads as), by edit similarity to the spelling
    that matched, with its score; among equals the first (the query orders them best first)."""
    scored = [(1.0 if c["exact"] else closeness(term, c["spelling"]), c) for c in candidates]
    return max(scored, key=lambda pair: pair[0]) if scored else None


def closeness(term: str, name: str) -> float:
    """How alike a term is to a name or to a run of as many of its words: 'toyta'~'Toyota' 0.91,
    'mercedez'~'Mercedes-Benz' 0.88 (via 'mercedes'), 'sport'~'Sportage' 0.77."""
    wanted, words = term.lower(), re.split(r"[\s-]+", name.lower())
    size = len(wanted.split())
    parts = {name.lower()} | {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}
    return max(difflib.SequenceMatcher(None, wanted, part).ratio() for part in parts)


def _is_advanced(q: str) -> bool:
    """Quoted phrases, exclusions and OR are full-text syntax: leave such queries to websearch_to_tsquery."""
    return '"' in q or re.search(r"(^|\s)-\w", q) is not None or re.search(r"\bOR\b", q) is not None


# -- running it ----------------------------------------------------------------------------------------------------

SORT_KEYS = {
    "newest": "created_at",
    "price_asc": "price",
    "price_desc": "price",
    "mileage_asc": "mileage_km",
    "year_desc": "year",
    "relevance": "rank",
}


def next_cursor_after(search: Search, row: dict[str, Any]) -> str:
    value = row[SORT_KEYS[search.sort]]
    value = value.isoformat() if isinstance(value, datetime) else repr(value) if isinstance(value, float) else value
    return pack(search.sort, value, row["id"])


def _cursor_parts(cursor: str) -> tuple[str, str, int]:
    """(sort, value, id) of a search cursor; ValueError when it is not one of ours."""
    sort, value, after_id = unpack(cursor, 3)
    return sort, value, row_id(after_id)


# The values a search cursor may carry, in exactly the forms the casts in queries/search.sql accept: price is
# numeric(12, 2) at most, rank a real (float4: |x| within 1e-37 .. 1e37 or 0), mileage and year integers.
PRICE = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?", re.ASCII)
RANK = re.compile(r"[0-9]{1,20}(\.[0-9]{1,20})?(e[+-]?[0-9]{1,2})?", re.ASCII)


def _cursor_value(sort: str, value: str) -> str:
    """The cursor's sort value as the query casts it; ValueError when PostgreSQL would refuse it."""
    if sort == "newest":
        timestamp(value)
    elif sort in ("price_asc", "price_desc"):
        if not PRICE.fullmatch(value):
            raise ValueError("not a price")
    elif sort == "relevance":
        if not RANK.fullmatch(value) or not (float(value) == 0 or 1e-37 <= float(value) <= 1e37):
            raise ValueError("not a rank")
    else:
        integer(value, -(2**31), 2**31 - 1)
    return value


def cursor_position(search: Search) -> tuple[str | None, int | None]:
    """(after_value, after_id) from the cursor; Invalid when forged or made for another sort order."""
    if not search.cursor:
        return None, None
    try:
        sort, value, after_id = _cursor_parts(search.cursor)
        if sort != search.sort:
            raise ValueError("cursor of another sort")
        return _cursor_value(sort, value), after_id
    except ValueError:  # decoding errors are ValueErrors too
        raise Invalid(
            "The cursor is not valid for this search; start again from the first page.", field="cursor"
        ) from None


@dataclass
class Results:
    search: Search
    cars: list[dict[str, Any]]
    next_cursor: str | None


def run(search: Search, user_id: int | None = None) -> Results:
    """One page of results for an interpreted search, each car marked with whether ``user_id`` saved it."""
    name, params = page_query(search, user_id)
    rows = db.all(name, **params)
    next_cursor = next_cursor_after(search, rows[search.limit - 1]) if len(rows) > search.limit else None
    return Results(search, rows[: search.limit], next_cursor)


def page_query(search: Search, user_id: int | None = None) -> tuple[str, dict[str, Any]]:
    """The query for a page of a search and its parameters: search.cars_unfiltered, whose one plan serves every call,
    when nothing narrows the search (the home page, /cars and the API's list as they open), else search.cars."""
    params = query_params(search, user_id)
    if search.sort != "relevance" and all(params[name] is None for name in FILTER_PARAMS):
        return "search.cars_unfiltered", {name: params[name] for name in UNFILTERED_PARAMS}
    return "search.cars", params


def query_params(search: Search, user_id: int | None = None) -> dict[str, Any]:
    """The parameters of search.cars for a search (one more row than a page, to know whether another follows)."""
    after_value, after_id = cursor_position(search)
    return {
        **search.filters(),
        "user_id": user_id,
        "sort": search.sort,
        "after_value": after_value,
        "after_id": after_id,
        "limit": search.limit + 1,
    }


UNFILTERED_PARAMS = ("user_id", "sort", "after_value", "after_id", "limit")
FILTER_PARAMS = tuple(name for name in query_params(Search()) if name not in UNFILTERED_PARAMS)


def _cursor_sort(search: Search) -> str | None:
    try:
        return _cursor_parts(search.cursor or "")[0]
    except ValueError:
        return None


def facet_query(search: Search) -> tuple[str, dict[str, Any], bool]:
    """The facet query for a search, its parameters, and whether its counts are surely exact: from listing_counts
    when only categorical filters are on; with text, from the newest matches; else from the newest matches among a
    bounded window of the newest listed cars."""
    filters = search.filters()
    if all(filters[k] is None for k in filters if k not in CATEGORICAL):
        return "search.facets_from_counts", {k: filters[k] for k in CATEGORICAL}, True
    if filters["text"] is not None or filters["features"] is not None:  # features are not in the covering index
        return "search.facets_from_sample", {**filters, "sample": FACET_SAMPLE}, False
    params = {k: v for k, v in filters.items() if k not in ("text", "features")}
    return "search.facets_from_window", {**params, "sample": FACET_SAMPLE, "window": FACET_WINDOW}, False


class Facets(NamedTuple):
    """Facet values with their counts, and the number of matching cars: exact, at least ``total`` (a sample's
    counts) or, when ``approximate``, an estimate."""

    values: dict[str, list[tuple[str, int]]]
    total: int
    exact: bool
    approximate: bool = False


def facets(search: Search) -> Facets:
    """The facets of a search (see ``Facets``): kept per listings version and parameters (they change only with a
    listing), for the FACETS_KEPT searches asked for most recently."""
    name, params, exact = facet_query(search)
    version = versions.current().listings  # before the data (see versions)
    key = (name, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())))
    return kept.store("facets", size=FACETS_KEPT).get(version, key, lambda: _facets(name, params, exact))


def _facets(name: str, params: dict[str, Any], exact: bool) -> Facets:
    grouped: dict[str, list[tuple[str, int]]] = {}
    totals = {"total": 0}
    for row in db.all(name, **params):
        if row["facet"] in ("total", "scope"):
            totals[row["facet"]] = int(row["cars"] or 0)
        else:
            grouped.setdefault(row["facet"], []).append((row["value"], int(row["cars"])))
    total, scope, window = totals["total"], totals.get("scope", 0), params.get("window")
    if window and scope > window:  # few matches, and the window could not hold every car: extrapolate its share
        estimate = round(total * scope / window)
        return Facets(grouped, max(_two_figures(estimate), total), exact=False, approximate=True)
    return Facets(grouped, total, exact or total < FACET_SAMPLE)


def _two_figures(number: int) -> int:
    """``number`` rounded to two significant figures (1,583 → 1,600), for estimates."""
    return round(number, 2 - len(str(abs(number)))) if number >= 100 else number
