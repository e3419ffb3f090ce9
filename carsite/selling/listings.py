"""Listings as their sellers see them: create, edit, delete. Only the seller (or an admin) reaches a listing
here; for everyone else it does not exist (NotFound), so ids cannot be probed."""

from __future__ import annotations

from typing import Any

from .. import db
from ..cars import pricing
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Forbidden, NotFound
from ..domain.paging import keyset_page
from ..domain.vocabulary import PUBLIC_STATUSES
from . import locations, revisions

#: Fields of a listed car that, changed at once (not waiting for review), change price ratings.
RATED_NOW = {"price", "mileage_km"}


def require_confirmed_email(actor: Actor) -> None:
    if not actor.email_verified:
        raise Forbidden(
            "Confirm your email address before listing a car: use the link we sent you, or send a new one "
            "from your account page."
        )


def require_seller(actor: Actor) -> None:
    if not actor.is_seller:
        raise Forbidden("Only sellers list cars; become one from your account page.")


def own_listing(car_id: int, *, actor: Actor) -> dict[str, Any]:
    """The listing when the actor may edit it; NotFound otherwise (also for other sellers' cars)."""
    car = db.optional("selling.listing_for_owner", car_id=car_id, user_id=actor.user_id, is_admin=actor.is_admin)
    if car is None:
        raise NotFound("There is no such listing among yours.")
    return car


PAGE_SIZE = 50


def of_seller(cursor: str | None = None, *, actor: Actor) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the actor's listings, newest first, with their status, remarks, photos and views, and the next
    page's cursor (None on the last); Invalid (400) for a cursor this site did not make."""
    return keyset_page("selling.of_seller", cursor, PAGE_SIZE, seller_id=actor.user_id)


#: Values may give make and model as text only (names or aliases): the catalogue resolves them (trigger).
BY_TEXT = {"make_id": None, "model_id": None, "model_other": None}


def create(values: dict[str, Any], *, actor: Actor) -> int:
    """A new listing of the actor's, saved as a draft; returns its id."""
    require_seller(actor)
    require_confirmed_email(actor)
    return db.scalar(
        "selling.insert_listing", seller_id=actor.user_id, **locations.with_coordinates({**BY_TEXT, **values})
    )


def update(car_id: int, values: dict[str, Any], *, actor: Actor) -> revisions.Saved:
    """Save the listing form. A listing nobody sees yet changes at once; on a public one, material changes wait for
    review while the approved version stays public (``revisions``). NotFound when it is not the actor's."""
    if "make_id" not in values:
        values = {**values, **BY_TEXT}
    with db.transaction():
        car = db.optional(
            "selling.lock_listing_for_owner", car_id=car_id, user_id=actor.user_id, is_admin=actor.is_admin
        )
        if car is None:
            raise NotFound("There is no such listing among yours.")
        values = locations.with_coordinates(values)
        if car["status"] not in PUBLIC_STATUSES:
            changed = revisions.changed_fields(car, values)
            db.one("selling.update_listing", car_id=car_id, **values)
            if changed:
                audit.record("listing.edit", actor=actor, subject_id=car["seller_id"], car_id=car_id, fields=changed)
            return revisions.Saved(applied=changed, discarded=revisions.fold(car, actor=actor))
        saved = revisions.save_live(car, values, actor=actor)
    if car["status"] == "available" and RATED_NOW & set(saved.applied):  # after the commit, so the refresh sees it
        pricing.refresh_models((car["make"], car["model"]))
    return saved


def for_form(car_id: int, *, actor: Actor) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The live listing and its open (pending or rejected) revision, if any; NotFound when it is not the actor's."""
    return own_listing(car_id, actor=actor), revisions.open_revision(car_id)


def delete(car_id: int, *, actor: Actor) -> None:
    """Delete softly: the listing leaves the site; orders and history keep it."""
    car = own_listing(car_id, actor=actor)
    db.one("selling.soft_delete", car_id=car_id)
    audit.record("listing.delete", actor=actor, subject_id=actor.user_id, car_id=car_id)
    if car["status"] == "available":
        pricing.refresh_models((car["make"], car["model"]))
