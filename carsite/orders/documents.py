"""An order's documents: the bill of sale, rendered (``carsite.documents.bill_of_sale``) when the sale completes,
stored under the uploads folder (``documents/``) and listed in ``orders.documents``; downloadable by the order's
two parties and admins only.

Each entry of ``orders.documents``: ``{"id", "kind", "name", "file", "size", "created_at"}``; ``id`` is what the
download URL names, ``file`` the stored file (never shown).
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app

from .. import db, images
from ..domain.actor import Actor
from ..domain.errors import NotFound

NOT_FOUND = "No such document."
KIND_LABELS = {"bill_of_sale": "Bill of sale"}


def folder() -> Path:
    return images.upload_dir("documents")


def store_bill_of_sale(order_id: int) -> dict[str, Any]:
    """Render the completed order's bill of sale and list it in the order's documents (in the caller's
    transaction); the new entry. A sale that rolls back afterwards leaves an unlisted file, which nobody can reach."""
    from ..documents import bill_of_sale

    order = db.one("orders.page", order_id=order_id, user_id=None, is_admin=True)
    pdf = bill_of_sale.render(sale_of(order))
    entry: dict[str, Any] = {
        "id": secrets.token_hex(8),
        "kind": "bill_of_sale",
        "name": f"bill-of-sale-{order['deal_number']}.pdf",
        "size": len(pdf),
        "created_at": datetime.now(UTC).isoformat(),
    }
    entry["file"] = f"{order_id}-{entry['id']}.pdf"
    (folder() / entry["file"]).write_bytes(pdf)
    documents = [d for d in order["documents"] if d.get("kind") != "bill_of_sale"] + [entry]
    db.one("orders.set_documents", order_id=order_id, documents=json.dumps(documents))
    db.one(
        "orders.add_event",
        order_id=order_id,
        actor_id=None,
        event="document_added",
        detail=json.dumps({"kind": "bill_of_sale", "name": entry["name"]}),
        request_key=None,
    )
    return entry


def sale_of(order: dict[str, Any]) -> Any:
    """The bill of sale of a completed order, as the renderer takes it."""
    from ..documents.bill_of_sale import BillOfSale, Party, Payment

    chosen = next((s for s in order["scenarios"] if s["chosen"]), None)
    payment = None
    if chosen is not None:
        payment = Payment(
            kind=chosen["kind"],
            deposit=_decimal(chosen["deposit"]),
            apr=_decimal(chosen["apr"]),
            term_months=chosen["term_months"],
            monthly_payment=_decimal(chosen["monthly_payment"]),
            total_payable=_decimal(chosen["total_payable"]),
        )
    month = order["registration_month"]
    return BillOfSale(
        deal_number=order["deal_number"],
        sale_date=order["sale_date"],
        seller=Party(order["seller_name"], order["seller_address"], order["seller_email"]),
        buyer=Party(order["buyer_name"], order["buyer_address"], order["buyer_email"], order["buyer_phone"]),
        title=order["car_title"],
        make=order["make"],
        model=order["model"],
        year=order["year"],
        vin=order["vin"],
        mileage_km=order["mileage_km"],
        first_registration=f"{month:02d}/{order['year']}" if month else str(order["year"]),
        colour=order["colour"],
        price=order["final_price"],
        currency="EUR",
        payment=payment,
        site_name=str(current_app.config.get("SITE_NAME") or "carsite"),
        order_reference=f"Order {order['id']}",
    )


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def for_download(order_id: int, document_id: str, *, actor: Actor) -> dict[str, Any]:
    """A document of an order for its buyer, its seller or an admin: the entry with its stored file; NotFound for
    anyone else, an unknown order or document."""
    if actor.user_id is None:
        raise NotFound(NOT_FOUND)
    order = db.optional("orders.page", order_id=order_id, user_id=actor.user_id, is_admin=actor.is_admin)
    if order is None:
        raise NotFound(NOT_FOUND)
    for entry in order["documents"]:
        if entry.get("id") == document_id and (folder() / entry["file"]).is_file():
            return entry
    raise NotFound(NOT_FOUND)
