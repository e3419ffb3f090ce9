"""HTTP for trade-ins: describing a car to trade in (in a conversation or on a reservation), its page with the
seller's offer form and the buyer's answers, its photos.

Only the trade-in's buyer and seller (and admins, read-only) reach it; everyone else gets 404. The conversation page
shows the trade-ins through ``tradeins/_panel.html``, which calls the ``trade_in_panel(conversation_id)`` template
function; an order page can include the same panel.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import images
from ..cars import makes
from ..domain.actor import Actor
from ..domain.errors import Conflict, DomainError, Invalid, NotFound
from ..web.access import login_required
from ..web.ratelimit import TOO_MANY, limiter
from . import trades

bp = Blueprint("tradeins", __name__)

# Per account: describing (each mails the seller, each photo costs decoding) and moves (each mails the other side).
DESCRIBE_PER_ACCOUNT = "10 per hour;30 per day"
MOVES_PER_ACCOUNT = "60 per hour"


def account() -> str:
    return f"tradeins:{current_user.id}"


@bp.app_context_processor
def panel_function() -> dict[str, Any]:
    def trade_in_panel(conversation: Any) -> dict[str, Any] | None:
        """The panel's contents; None (nothing shown) without a conversation or for someone not in it (an admin
        looking at an order), so a page that includes the panel never turns into a 404 because of it."""
        if conversation is None:
            return None
        try:
            return trades.panel(conversation, actor=Actor.from_request())
        except NotFound:
            return None

    return {"trade_in_panel": trade_in_panel, "trade_in_conditions": trades.CONDITIONS}


def _uploads() -> list[tuple[str, bytes]]:
    """The form's photos as (file name, bytes), each read to one byte over the limit (so an oversized one is seen
    without reading it all) and at most one more than fit."""
    if request.content_length and request.content_length > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413)
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    uploads = [(f.filename or "", f.read(trades.PHOTO_MAX_BYTES + 1)) for f in files[: trades.MAX_PHOTOS + 1]]
    return uploads + [(f.filename or "", b"") for f in files[trades.MAX_PHOTOS + 1 :]]


def _form_page(conversation_id: int, order_id: int | None, error: DomainError | None, values: Any):
    actor = Actor.from_request()
    panel = trades.panel(conversation_id, actor=actor)  # NotFound for non-members
    if panel["role"] != "buyer":
        raise NotFound(trades.NOT_FOUND)
    page = render_template(
        "tradeins/new.html",
        panel=panel,
        order_id=order_id,
        values=values,
        error=error,
        makes=makes.makes(),
        conditions=trades.CONDITIONS,
        max_photos=trades.MAX_PHOTOS,
        year_max=trades.year_max(),
    )
    return page, error.status if error else 200


FIELDS = ("make", "model", "year", "mileage_km", "condition", "notes")


def _describe(conversation_id: int, order_id: int | None) -> Response | tuple[str, int]:
    actor = Actor.from_request()
    try:
        description = trades.Description.from_form(request.form)
        uploads = _uploads()
        if order_id is None:
            row = trades.describe(conversation_id, description, uploads, actor=actor)
        else:
            row = trades.describe_on_order(order_id, description, uploads, actor=actor)
    except (Invalid, Conflict, trades.TooLarge) as exc:
        values = {key: request.form.get(key, "") for key in FIELDS}
        return _form_page(conversation_id, order_id, exc, values)
    flash("Your trade-in is sent to the seller. You will hear when they make an offer.", "success")
    return redirect(url_for("tradeins.show", trade_in_id=row["id"]), code=303)


@bp.route("/messages/<int:conversation_id>/trade-in", methods=["GET", "POST"])
@login_required
@limiter.limit(DESCRIBE_PER_ACCOUNT, key_func=account, methods=["POST"], error_message=TOO_MANY)
def create(conversation_id: int) -> Response | tuple[str, int]:
    """The buyer of a conversation describes a car to trade in: make, model, year, mileage, condition, notes and up
    to six photos."""
    if request.method == "POST":
        return _describe(conversation_id, None)
    return _form_page(conversation_id, None, None, {})


@bp.route("/orders/<int:order_id>/trade-in", methods=["GET", "POST"])
@login_required
@limiter.limit(DESCRIBE_PER_ACCOUNT, key_func=account, methods=["POST"], error_message=TOO_MANY)
def create_on_order(order_id: int) -> Response | tuple[str, int]:
    """The buyer of a reservation describes a car to trade in (it goes to the order's conversation)."""
    conversation_id = trades.conversation_of_order(order_id, actor=Actor.from_request())
    if request.method == "POST":
        return _describe(conversation_id, order_id)
    return _form_page(conversation_id, order_id, None, {})


def _show(trade_in_id: int, error: DomainError | None = None, amount: str = "", note: str = ""):
    row = trades.for_viewer(trade_in_id, actor=Actor.from_request())
    page = render_template(
        "tradeins/show.html",
        t=row,
        title=trades.title_of(row),
        status_label=trades.STATUS_LABELS[row["status"]],
        condition_label=trades.CONDITIONS[row["condition"]],
        error=error,
        amount=amount,
        note=note,
        max_photos=trades.MAX_PHOTOS,
    )
    return page, error.status if error else 200


@bp.get("/trade-ins/<int:trade_in_id>")
@login_required
def show(trade_in_id: int) -> tuple[str, int]:
    """A trade-in: its details and photos, the offer, the seller's offer form and the buyer's answers."""
    return _show(trade_in_id)


def back(trade_in_id: int) -> Response:
    return redirect(url_for("tradeins.show", trade_in_id=trade_in_id), code=303)


@bp.post("/trade-ins/<int:trade_in_id>/offer")
@login_required
@limiter.limit(MOVES_PER_ACCOUNT, key_func=lambda: f"{account()}:moves", error_message=TOO_MANY)
def offer(trade_in_id: int) -> Response | tuple[str, int]:
    """The seller offers an amount (and a note) for the car, or revises the offer."""
    amount, note = request.form.get("amount", ""), request.form.get("note", "")
    try:
        trades.record_offer(trade_in_id, trades.read_amount(amount), note, actor=Actor.from_request())
    except Invalid as exc:
        return _show(trade_in_id, exc, amount, note)
    flash("Your offer is sent to the buyer.", "success")
    return back(trade_in_id)


DONE = {
    "accept": "You accepted the offer. The seller is told.",
    "decline": "You declined the offer. The seller may make another.",
    "withdraw": "Your trade-in is withdrawn.",
}


@bp.post("/trade-ins/<int:trade_in_id>/<any(accept, decline, withdraw):action>")
@login_required
@limiter.limit(MOVES_PER_ACCOUNT, key_func=lambda: f"{account()}:moves", error_message=TOO_MANY)
def act(trade_in_id: int, action: str) -> Response:
    """The buyer accepts or declines the offer, or withdraws the trade-in."""
    move = {"accept": trades.accept, "decline": trades.decline, "withdraw": trades.withdraw}[action]
    move(trade_in_id, actor=Actor.from_request())
    flash(DONE[action], "success")
    return back(trade_in_id)


@bp.post("/trade-ins/<int:trade_in_id>/photos")
@login_required
@limiter.limit(DESCRIBE_PER_ACCOUNT, key_func=lambda: f"{account()}:photos", error_message=TOO_MANY)
def add_photos(trade_in_id: int) -> Response | tuple[str, int]:
    """The buyer adds photos (all or none of them are stored)."""
    try:
        added = trades.add_photos(trade_in_id, _uploads(), actor=Actor.from_request())
    except (Invalid, trades.TooLarge) as exc:
        return _show(trade_in_id, exc)
    flash(f"{added} photo{'s' if added != 1 else ''} added.", "success")
    return back(trade_in_id)


@bp.post("/trade-ins/<int:trade_in_id>/photos/<int:photo_id>/delete")
@login_required
def remove_photo(trade_in_id: int, photo_id: int) -> Response:
    """The buyer removes one photo."""
    trades.remove_photo(trade_in_id, photo_id, actor=Actor.from_request())
    flash("The photo is removed.", "success")
    return back(trade_in_id)


@bp.get("/trade-ins/<int:trade_in_id>/photos/<name>-<any(thumb, large):size>.webp")
@login_required
def photo(trade_in_id: int, name: str, size: str) -> Response:
    """A trade-in photo, for its buyer, seller and admins only (404 for anyone else); never cached by a shared
    cache."""
    file = trades.photo_file(trade_in_id, name, actor=Actor.from_request())
    return images.serve(trades.KIND, f"{file}-{size}.webp", "trade-in.webp", private=True)
