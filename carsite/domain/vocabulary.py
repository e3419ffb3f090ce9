"""One vocabulary for the values carsite stores and the words people read for them.

Each tuple below is the allow-list a CHECK constraint in ``schema/schema.sql`` also enforces
(``tests/test_architecture.py`` compares them), and every label shown on a page comes from here.
"""

from __future__ import annotations

import re

FUELS = ("petrol", "diesel", "hybrid", "plug_in_hybrid", "electric", "lpg", "cng", "hydrogen", "other")
TRANSMISSIONS = ("manual", "automatic", "semi_automatic")
BODIES = ("sedan", "hatchback", "estate", "suv", "coupe", "convertible", "van", "pickup", "minivan", "other")
CONDITIONS = ("new", "used")
SELLER_TYPES = ("private", "dealer")
# Emission classes, oldest first ("at least Euro 6" means this class or a later one).
EMISSION_CLASSES = ("euro1", "euro2", "euro3", "euro4", "euro5", "euro6", "euro6c", "euro6d_temp", "euro6d", "euro6e")
# The checklist a seller ticks; stored as these labels in cars.features and searched as filter tags.
FEATURES = (
    "Navigation",
    "Heated seats",
    "Leather seats",
    "Sunroof",
    "Parking sensors",
    "Reversing camera",
    "Cruise control",
    "Adaptive cruise control",
    "Bluetooth",
    "Apple CarPlay / Android Auto",
    "Keyless entry",
    "Towbar",
    "Alloy wheels",
    "LED headlights",
    "Air conditioning",
    "Climate control",
    "Heated steering wheel",
    "Lane assist",
    "Blind spot monitor",
    "Isofix",
    "Four-wheel drive",
    "Full service history",
)
ROLES = ("user", "seller", "admin")
# Listing statuses, in workflow order. Which of them the public may see is the SQL function listing_is_public
# (mirrored by PUBLIC_STATUSES); the moves between them are selling.workflow.
LISTING_STATUSES = ("draft", "pending", "rejected", "available", "reserved", "sold", "expired", "withdrawn")
PUBLIC_STATUSES = ("available", "reserved", "sold", "expired", "withdrawn")

LABELS = {
    "petrol": "Petrol",
    "diesel": "Diesel",
    "hybrid": "Hybrid",
    "plug_in_hybrid": "Plug-in hybrid",
    "electric": "Electric",
    "lpg": "LPG",
    "cng": "CNG",
    "hydrogen": "Hydrogen",
    "other": "Other",
    "manual": "Manual",
    "automatic": "Automatic",
    "semi_automatic": "Semi-automatic",
    "sedan": "Sedan",
    "hatchback": "Hatchback",
    "estate": "Estate",
    "suv": "SUV",
    "coupe": "Coupe",
    "convertible": "Convertible",
    "van": "Van",
    "pickup": "Pickup",
    "minivan": "Minivan",
    "new": "New",
    "used": "Used",
    "private": "Private seller",
    "dealer": "Dealer",
    "euro1": "Euro 1",
    "euro2": "Euro 2",
    "euro3": "Euro 3",
    "euro4": "Euro 4",
    "euro5": "Euro 5",
    "euro6": "Euro 6",
    "euro6c": "Euro 6c",
    "euro6d_temp": "Euro 6d-TEMP",
    "euro6d": "Euro 6d",
    "euro6e": "Euro 6e",
    "user": "User",
    "seller": "Seller",
    "admin": "Admin",
}
# What a listing's status means to buyers (public pages) and to its seller (their own pages).
STATUS_LABELS = {
    "draft": "Draft",
    "pending": "In review",
    "rejected": "Needs changes",
    "available": "Available",
    "reserved": "Reserved",
    "sold": "Sold",
    "expired": "Expired",
    "withdrawn": "Withdrawn",
}
SELLER_STATUS_LABELS = {
    **STATUS_LABELS,
    "draft": "Draft (not visible)",
    "pending": "Waiting for review",
    "available": "Live",
    "expired": "Expired (not in search)",
}


def label(value: object) -> str:
    """A readable label for a stored value ('plug_in_hybrid' -> 'Plug-in hybrid'); other values as text."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        return str(value)
    return LABELS.get(value) or STATUS_LABELS.get(value) or value.replace("_", " ").capitalize()


def horsepower(kw: int | None) -> int | None:
    """Metric horsepower (PS) for a power in kW, rounded: 110 kW -> 150 hp."""
    return None if kw is None else round(kw * 1.35962)


def status_label(status: str, *, for_seller: bool = False) -> str:
    """A listing status in words: as the public reads it, or as its seller does."""
    return (SELLER_STATUS_LABELS if for_seller else STATUS_LABELS).get(status, label(status))


def slugify(text: str) -> str:
    """The readable part of a car URL: 'VW Golf 1.4 TSI' -> 'vw-golf-1-4-tsi'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]
