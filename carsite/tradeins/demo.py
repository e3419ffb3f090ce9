"""Demo data: the demo buyer offers a 2012 Golf in part exchange in their conversation with the demo dealer (the one
that asks "would you take a part exchange?"), with two drawn photos, and the dealer has made an offer. Made through
the use cases as the buyer and seller would; a rerun adds nothing."""

from __future__ import annotations

import io
from decimal import Decimal

from .. import db, demo_photos
from ..domain.actor import Actor
from ..domain.errors import DomainError
from . import trades

PHOTO_SIZE = (800, 600)


def _photos() -> list[tuple[str, bytes]]:
    """Two drawn pictures of a grey hatchback on a street (JPEGs, as a phone would send them)."""
    uploads = []
    for shot in demo_photos.shots_for(2012, "hatchback", "grey")[:2]:
        buffer = io.BytesIO()
        demo_photos.render(shot, PHOTO_SIZE).save(buffer, "JPEG", quality=88)
        uploads.append((f"golf-{shot.angle}.jpg", buffer.getvalue()))
    return uploads


def create(buyer_id: int, seller_id: int) -> int | None:
    """The demo trade-in with the dealer's offer in the buyer's first conversation with ``seller_id``; its id, or
    None when they have no conversation or it has a trade-in already."""
    found = db.optional("tradeins.demo_conversation", buyer_id=buyer_id, seller_id=seller_id)
    if found is None or db.all("tradeins.of_conversation", conversation_id=found["id"]):
        return None
    buyer = Actor(user_id=buyer_id, role="user", email_verified=True)
    seller = Actor(user_id=seller_id, role="seller", email_verified=True)
    description = trades.Description.from_form(
        {
            "make": "Volkswagen",
            "model": "Golf",
            "year": "2012",
            "mileage_km": "148,000",
            "condition": "good",
            "notes": "1.4 TSI, second owner, full service history. Small scratch on the rear bumper; "
            "summer and winter tyres.",
        }
    )
    try:
        row = trades.describe(found["id"], description, _photos(), actor=buyer)
        trades.record_offer(
            row["id"],
            Decimal(5800),
            "Subject to a quick inspection when you bring it on Thursday.",
            actor=seller,
        )
    except DomainError:
        return None
    return int(row["id"])
