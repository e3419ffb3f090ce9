"""Edits of a public listing: which changes wait for review as a revision and which apply at once.

Material changes (the texts buyers read, what the car is, its identity, a price cut that looks like bait, new
photos) go into the car's one pending revision while the approved version stays public; an admin approves it
(``workflow.decide_revision``) or rejects it with a remark the seller sees. Everything else applies at once. Every
edit is audited with the names of the fields it changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import db
from ..domain import audit
from ..domain.actor import Actor

#: Fields whose change on a public listing waits for review (price only beyond the limits below).
MATERIAL = (
    "title",
    "make",
    "model",
    "year",
    "price",
    "vin",
    "description",
    "specs",
    "seo_title",
    "seo_description",
    "seller_type",
    "owners",
    "registration_month",
    "accident_free",
)
#: The catalogue references beside make and model: they change with them (so, on a public listing, by review).
CATALOGUE_IDS = ("make_id", "model_id", "model_other")
#: Fields the form edits that apply at once, also on a public listing.
IMMEDIATE = (
    "mileage_km",
    "fuel",
    "transmission",
    "body",
    "colour",
    "condition",
    "city",
    "postcode",
    "features",
    "power_kw",
    "doors",
    "seats",
    "emission_class",
)
LABELS = {
    "title": "Title",
    "make": "Make",
    "model": "Model",
    "year": "Year",
    "price": "Price",
    "vin": "VIN",
    "description": "Description",
    "specs": "Specifications",
    "seo_title": "Search engine title",
    "seo_description": "Search engine description",
    "seller_type": "Sold by",
    "owners": "Owners so far",
    "registration_month": "First registration month",
    "accident_free": "Accident free",
    "photos": "New photos",
}
#: A new price below this share of the live price (more than 20 % down) waits for review.
PRICE_DROP = Decimal("0.8")
#: Any change to a price below this (euros) waits for review.
PRICE_FLOOR = Decimal("500")


@dataclass(frozen=True)
class Saved:
    """What a save did: field names applied at once, and those waiting for review (with ``photos``)."""

    applied: list[str] = field(default_factory=list)
    for_review: list[str] = field(default_factory=list)
    discarded: bool = False


def comparable(name: str, value: Any) -> Any:
    """A field's value in one shape for the form's and the database's side (specs as a list, prices as Decimal)."""
    if name == "specs" and isinstance(value, str):
        return json.loads(value)
    if name == "price" and value is not None:
        return Decimal(str(value))
    return value


def is_material(name: str, old: Any, new: Any) -> bool:
    """Whether changing ``name`` from ``old`` to ``new`` on a public listing needs a review."""
    old, new = comparable(name, old), comparable(name, new)
    if old == new:
        return False
    if name == "price":
        return new < old * PRICE_DROP or new < PRICE_FLOOR
    return name in MATERIAL


def changed_fields(car: dict[str, Any], values: dict[str, Any]) -> list[str]:
    return [name for name in (*MATERIAL, *IMMEDIATE) if comparable(name, car[name]) != comparable(name, values[name])]


def proposal(car: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The material fields of ``values`` that differ from the live ``car``, as JSON-ready values."""
    proposed = {}
    for name in MATERIAL:
        if is_material(name, car[name], values[name]):
            value = comparable(name, values[name])
            proposed[name] = str(value) if isinstance(value, Decimal) else value
    return proposed


def save_live(car: dict[str, Any], values: dict[str, Any], *, actor: Actor) -> Saved:
    """Save the form on a public listing whose row the caller holds locked: immediate changes now, material ones
    into the pending revision (dropped when the seller put everything back and no new photo waits)."""
    proposed = proposal(car, values)
    applied = [name for name in changed_fields(car, values) if name not in proposed]
    if applied:
        live = {name: car[name] for name in (*MATERIAL, *CATALOGUE_IDS)}
        live["specs"] = json.dumps(car["specs"] or [])
        db.one("selling.update_listing", car_id=car["id"], **{**values, **live, **pick(values, applied)})
        audit.record("listing.edit", actor=actor, subject_id=car["seller_id"], car_id=car["id"], fields=applied)
    photos = db.all("selling.unreviewed_photos", car_id=car["id"])
    if not proposed and not photos:
        return Saved(applied=applied, discarded=_discard(car, actor=actor))
    for_review = [*proposed, *(["photos"] if photos else [])]
    submitted = db.optional("selling.submit_revision", car_id=car["id"], proposed=json.dumps(proposed))
    if submitted is not None:
        audit.record(
            "listing.revision_submitted",
            actor=actor,
            subject_id=car["seller_id"],
            car_id=car["id"],
            revision_id=submitted["id"],
            fields=for_review,
        )
    return Saved(applied=applied, for_review=for_review)


def fold(car: dict[str, Any], *, actor: Actor) -> bool:
    """Close the open revision of a listing that is not public (relisted, so the whole listing is reviewed again):
    the form the seller just saved held its proposals, and its photos are reviewed with the listing. Whether there
    was one."""
    dropped = _discard(car, actor=actor, folded_into_listing_review=True)
    if db.execute("selling.publish_photos", car_id=car["id"]):
        db.one("selling.refresh_cover", car_id=car["id"])
    return dropped


def _discard(car: dict[str, Any], *, actor: Actor, **detail: Any) -> bool:
    """Close the listing's open revisions, each audited; whether there were any."""
    dropped = db.all("selling.discard_revisions", car_id=car["id"], user_id=actor.user_id)
    for row in dropped:
        audit.record(
            "listing.revision_discarded",
            actor=actor,
            subject_id=car["seller_id"],
            car_id=car["id"],
            revision_id=row["id"],
            **detail,
        )
    return bool(dropped)


def pick(values: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {name: values[name] for name in names}


def photos_added(car_id: int, added: int, *, actor: Actor) -> None:
    """Audit photos just added to a public listing (``selling.add_photo`` put them, and the revision, up for
    review); nothing for a listing that is not public or when none was added."""
    if not added:
        return
    revision = db.optional("selling.open_revision", car_id=car_id)
    if revision is not None and revision["status"] == "pending":
        audit.record(
            "listing.revision_submitted",
            actor=actor,
            car_id=car_id,
            revision_id=revision["id"],
            fields=["photos"],
            photos=added,
        )


def open_revision(car_id: int) -> dict[str, Any] | None:
    """The car's pending or rejected revision, if any (the caller has checked access)."""
    return db.optional("selling.open_revision", car_id=car_id)


def with_proposal(car: dict[str, Any], revision: dict[str, Any] | None) -> dict[str, Any]:
    """The listing as the seller's form shows it: the live values with the open revision's proposals over them."""
    proposed = revision["proposed"] if revision else {}
    return {**car, **{name: comparable(name, value) for name, value in proposed.items()}}


def diff(row: dict[str, Any]) -> list[dict[str, Any]]:
    """Per proposed field of a queue row: its label, the live value and the proposed one."""
    return [
        {"field": name, "label": LABELS[name], "old": row[name], "new": comparable(name, row["proposed"][name])}
        for name in MATERIAL
        if name in row["proposed"]
    ]
