"""The listing workflow: which moves a listing's status allows, who may make them, and moderation.

The statuses themselves are ``domain.vocabulary.LISTING_STATUSES`` (and the cars_status_check constraint); every
move is one conditional UPDATE (``selling.set_status`` / ``selling.decide``), so a listing that changed meanwhile
is refused by the database, not by a check here. Reserved and sold come from orders. Expiry is ``expiry``'s:
its hourly job moves a live listing to expired (never a reserved or sold one), and renewal by the owner (a button,
or the link of the expiry mails) puts it back live; an expired listing may also be withdrawn.

Changes to a public listing wait as a revision (``revisions``); ``decide_revision`` approves or rejects one at the
version the admin saw, with the car's row locked first (as every edit of the car locks it), so two decisions, or a
decision and an edit, take turns and the loser gets 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import db, images
from ..cars import pricing
from ..db.errors import CheckViolation
from ..domain import audit
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, Invalid, NotFound
from ..domain.vocabulary import PUBLIC_STATUSES, slugify
from ..notifications import notify
from . import listings, revisions


@dataclass(frozen=True)
class Move:
    """A move the seller makes: its button, the statuses it starts from and the one it leads to."""

    action: str
    label: str
    to: str
    from_statuses: tuple[str, ...]
    done: str
    needs_confirmed_email: bool = False
    primary: bool = True


MOVES: dict[str, Move] = {
    move.action: move
    for move in (
        Move(
            "submit",
            "Submit for review",
            "pending",
            ("draft", "rejected"),
            "Submitted for review. We will let you know when it is live.",
            needs_confirmed_email=True,
        ),
        Move("relist", "Put it back up", "pending", ("withdrawn",), "Submitted for review again.", True),
        Move(
            "withdraw",
            "Withdraw",
            "withdrawn",
            ("draft", "pending", "rejected", "available", "expired"),
            "The listing is withdrawn.",
            primary=False,
        ),
    )
}
DECISIONS = {"approve": "available", "reject": "rejected"}
#: Fields whose change on a listed car changes price ratings (its own and its comparables').
RATED = {"make", "model", "year", "price", "mileage_km"}


def is_public(status: str) -> bool:
    """Whether anyone may open a car page in this status (mirrors the SQL function listing_is_public)."""
    return status in PUBLIC_STATUSES


def actions_for(status: str) -> list[Move]:
    """The moves a seller can make from ``status``, for the listing page's buttons."""
    return [move for move in MOVES.values() if status in move.from_statuses]


def change(car_id: int, action: str, *, actor: Actor) -> Move:
    """Make a seller's move on their own listing; NotFound when it is not theirs, Conflict when its status does not
    allow the move (now: it may have changed meanwhile)."""
    move = MOVES.get(action)
    if move is None:
        raise Invalid(f"Unknown action {action!r}.", field="action")
    car = listings.own_listing(car_id, actor=actor)
    if move.needs_confirmed_email:
        listings.require_confirmed_email(actor)
    if db.optional("selling.set_status", car_id=car_id, status=move.to, from_statuses=list(move.from_statuses)) is None:
        raise Conflict("That is not possible in the listing's current state.")
    audit.record(f"listing.{action}", actor=actor, subject_id=actor.user_id, car_id=car_id)
    if car["status"] == "available":  # it left the listed cars: its model's medians change
        pricing.refresh_models((car["make"], car["model"]))
    return move


def moderation_queue(*, actor: Actor) -> list[dict[str, Any]]:
    _moderator(actor)
    return db.all("selling.moderation_queue")


def revision_queue(*, actor: Actor) -> list[dict[str, Any]]:
    """Pending revisions of public listings, oldest change first, each with its diff (label, old, new per field)
    and the photos awaiting review."""
    _moderator(actor)
    return [{**row, "diff": revisions.diff(row)} for row in db.all("selling.revision_queue")]


def decide_revision(
    revision_id: int, decision: str, version: int, remark: str | None, *, actor: Actor
) -> dict[str, Any]:
    """Approve a pending revision at the version the admin saw (its values and photos go live together, in one
    transaction), or reject it with a remark the seller sees (the live version stays). NotFound for an unknown
    revision; Conflict when it was decided meanwhile or the seller changed it since ``version``."""
    remark = _decision(decision, remark, actor=actor)
    status = "approved" if decision == "approve" else "rejected"
    with db.transaction():
        before = db.optional("selling.lock_revision_car", revision_id=revision_id)
        if before is None:
            raise NotFound("There is no such revision.")
        car = before
        row = db.optional(
            "selling.decide_revision",
            revision_id=revision_id,
            status=status,
            remark=remark if decision == "reject" else None,
            admin_id=actor.user_id,
            version=version,
        )
        if row is None:
            raise Conflict("This revision was decided or changed meanwhile; look at it again in the queue.")
        fields = [name for name in revisions.MATERIAL if name in row["proposed"]]
        if decision == "approve":
            car = db.one("selling.apply_revision", revision_id=revision_id)
            if db.execute("selling.publish_photos", car_id=row["car_id"]):
                fields.append("photos")
            db.one("selling.refresh_cover", car_id=row["car_id"])
        elif db.all("selling.unreviewed_photos", car_id=row["car_id"]):
            fields.append("photos")
        audit.record(
            f"listing.revision_{status}",
            actor=actor,
            subject_id=car["seller_id"],
            car_id=row["car_id"],
            revision_id=revision_id,
            fields=fields,
            remark=remark,
        )
        tell_seller(car["seller_id"], row["car_id"], car["title"], decision, remark, revision=True)
    if decision == "approve" and RATED & set(row["proposed"]):  # after the commit, so the refresh sees it
        pricing.refresh_models((before["make"], before["model"]), (car["make"], car["model"]))
    return car


def discard_revision(car_id: int, *, actor: Actor) -> int:
    """The seller drops their listing's open revision and the photos waiting with it (the live version stays);
    returns how many revisions were dropped. NotFound when the listing is not theirs."""
    seller_id = listings.own_listing(car_id, actor=actor)["seller_id"]
    with db.transaction():
        dropped = db.all("selling.discard_revisions", car_id=car_id, user_id=actor.user_id)
        files = [r["file"] for r in db.all("selling.delete_unreviewed_photos", car_id=car_id)]
        db.execute("selling.renumber_photos", car_id=car_id)
        for row in dropped:
            audit.record(
                "listing.revision_discarded", actor=actor, subject_id=seller_id, car_id=car_id, revision_id=row["id"]
            )
    for file in files:
        images.remove_photo(file)
    return len(dropped)


def decide(car_id: int, decision: str, remark: str | None, *, actor: Actor) -> dict[str, Any]:
    """Approve a pending listing, or reject it with a remark the seller sees; NotFound when it is not pending."""
    remark = _decision(decision, remark, actor=actor)
    with db.transaction():  # the decision, its audit row and the seller's notification commit together
        try:
            row = db.optional(
                "selling.decide",
                car_id=car_id,
                status=DECISIONS[decision],
                remark=remark if decision == "reject" else None,
            )
        except CheckViolation as exc:
            if exc.constraint != "cars_model_in_catalogue":
                raise
            raise Conflict(
                "Its model is not in the catalogue yet: map it to a model, or add the model, under "
                "“Models to map”, then approve the listing."
            ) from None
        if row is None:
            raise NotFound("This listing is not waiting for review.")
        audit.record(f"listing.{decision}", actor=actor, subject_id=row["seller_id"], car_id=car_id, remark=remark)
        tell_seller(row["seller_id"], car_id, row["title"], decision, remark, revision=False)
    if decision == "approve":  # a car joins the listed ones: rate it, and its model's cars against it
        pricing.refresh_models((row["make"], row["model"]))
    return row


def tell_seller(seller_id: int, car_id: int, title: str, decision: str, remark: str | None, *, revision: bool) -> None:
    """Keep the promise "we will let you know when it is live": a ``listing_review`` notification (and mail, per
    the seller's settings) linking to the live car page on approval, or carrying the moderator's remark and linking
    to the edit page when sent back. Called in the decision's transaction, so a decision that rolls back tells
    nobody."""
    what = "changes to " if revision else ""
    if decision == "approve":
        notify(
            seller_id,
            "listing_review",
            title=f"Your {what}“{title}” {'are' if revision else 'is'} live"[:300],
            url=f"/cars/{car_id}/{slugify(title)}",
            mail_template="listing_approved",
            mail_subject=f"Your listing “{title}” is live"[:200],
            car_title=title,
            revision=revision,
        )
    else:
        notify(
            seller_id,
            "listing_review",
            title=f"Your {what}“{title}” {'were' if revision else 'was'} sent back"[:300],
            body=(remark or "")[:4000],
            url=f"/sell/{car_id}",
            mail_template="listing_rejected",
            mail_subject=f"Your listing “{title}” needs changes"[:200],
            car_title=title,
            remark=remark or "",
            revision=revision,
        )


def set_featured(car_id: int, featured: bool, *, actor: Actor) -> None:
    """Show a car among the featured cars on the home page, or stop; NotFound when it is gone."""
    _moderator(actor)
    if db.optional("selling.set_featured", car_id=car_id, featured=featured) is None:
        raise NotFound("There is no such car.")
    audit.record(f"listing.{'feature' if featured else 'unfeature'}", actor=actor, car_id=car_id)


def _decision(decision: str, remark: str | None, *, actor: Actor) -> str | None:
    """Check a moderator's decision; the remark to keep (required to reject)."""
    _moderator(actor)
    if decision not in DECISIONS:
        raise Invalid("The decision is approve or reject.", field="decision")
    remark = (remark or "").strip()[:1000] or None
    if decision == "reject" and not remark:
        raise Invalid("Write a remark so the seller knows what to fix.", field="remark")
    return remark


def _moderator(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins moderate listings.")
