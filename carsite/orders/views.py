"""HTTP for buying: the reservation form on a car, the order page and its moves, payment options, documents, the
buyer's "My orders" and the seller's "Sales", and the seller's "sold elsewhere".

Only an order's buyer and seller (and admins) reach it: 404 for everyone else on every URL. Every form carries an
idempotency key (``reservations.new_key``), so a double click or a retried POST does not act twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_from_directory, url_for
from werkzeug.wrappers import Response

from ..cars import catalogue
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, Invalid
from ..web.access import login_required, role_required
from ..web.caching import private_cache
from ..web.ratelimit import TOO_MANY, limiter
from . import documents, lists, reservations, scenarios

bp = Blueprint("orders", __name__)

RESERVATIONS_PER_ACCOUNT = "10 per hour;30 per day"
MOVES_PER_ACCOUNT = "120 per hour"
DONE = {
    "accept": "The reservation is accepted. The buyer is told.",
    "complete": "The sale is completed. The bill of sale is ready below.",
    "cancel": "The reservation is cancelled and the car is available again.",
}


def account() -> str:
    from flask_login import current_user

    return f"orders:{current_user.id}"


@bp.app_context_processor
def helpers() -> dict[str, Any]:
    return {
        "order_form_key": reservations.new_key,
        "order_status_labels": reservations.SHORT_LABELS,
        "today_iso": lambda: datetime.now(UTC).date().isoformat(),
    }


def _reserve_page(car: dict[str, Any], values: dict[str, str], error: Exception | None, status: int = 200) -> Any:
    page = render_template(
        "orders/reserve.html",
        car=car,
        values=values,
        error=getattr(error, "message", None),
        error_field=error if isinstance(error, Invalid) else None,
        key=values.get("key") or reservations.new_key(),
        hold_hours=reservations.hold_hours(),
    )
    return page, status


@bp.get("/cars/<int:car_id>/reserve")
@login_required
def reserve_form(car_id: int) -> Any:
    """The reservation form: the car, how long it is held, the buyer's name, address and phone for the documents."""
    from flask_login import current_user

    car = catalogue.public_car(car_id)
    return _reserve_page(car, {"name": current_user.name}, None)


@bp.post("/cars/<int:car_id>/reserve")
@login_required
@limiter.limit(RESERVATIONS_PER_ACCOUNT, key_func=account, error_message=TOO_MANY)
def reserve(car_id: int) -> Any:
    """Reserve the car; the order's page. A refusal shows the form again with the reason and what was typed (409
    when someone else was first)."""
    values = {key: request.form.get(key, "") for key in ("name", "address", "phone", "message", "key")}
    try:
        order = reservations.reserve(
            car_id,
            request.form.get("key"),
            reservations.BuyerDetails.from_form(request.form),
            actor=Actor.from_request(),
        )
    except (Invalid, Conflict, Forbidden) as exc:
        return _reserve_page(catalogue.public_car(car_id), values, exc, exc.status)
    if not order["repeated"]:
        flash("The car is reserved for you. The seller is told and will accept it here.", "success")
    return redirect(url_for("orders.show", order_id=order["id"]), code=303)


@bp.get("/orders/<int:order_id>")
@login_required
def show(order_id: int) -> Any:
    """An order's page: its state, the car, both parties, payment options, documents, timeline and the moves."""
    order = lists.page(order_id, actor=Actor.from_request())
    return render_template("orders/show.html", order=order, error=None, values={})


@bp.post("/orders/<int:order_id>/<any(accept, complete, cancel):action>")
@login_required
@limiter.limit(MOVES_PER_ACCOUNT, key_func=lambda: f"{account()}:moves", error_message=TOO_MANY)
def act(order_id: int, action: str) -> Any:
    """One move on the order; back to its page. Bad input shows the page again with the message and what was typed."""
    actor = Actor.from_request()
    try:
        done = reservations.act(order_id, action, request.form, actor=actor)
    except Invalid as exc:
        order = lists.page(order_id, actor=actor)
        values = {key: request.form.get(key, "") for key in request.form if key != "csrf_token"}
        page = render_template("orders/show.html", order=order, error=exc, values=values, failed=action)
        return page, exc.status
    if not done["repeated"]:
        flash(DONE[action], "success")
    return redirect(url_for("orders.show", order_id=order_id), code=303)


@bp.post("/orders/<int:order_id>/scenarios")
@login_required
@limiter.limit(MOVES_PER_ACCOUNT, key_func=lambda: f"{account()}:moves", error_message=TOO_MANY)
def add_scenario(order_id: int) -> Any:
    actor = Actor.from_request()
    try:
        scenarios.add(order_id, request.form, actor=actor)
    except Invalid as exc:
        order = lists.page(order_id, actor=actor)
        values = {key: request.form.get(key, "") for key in request.form if key != "csrf_token"}
        return render_template("orders/show.html", order=order, error=exc, values=values, failed="scenario"), 400
    flash("The payment option is added.", "success")
    return redirect(url_for("orders.show", order_id=order_id, _anchor="payment"), code=303)


@bp.post("/orders/<int:order_id>/scenarios/<int:scenario_id>/<any(choose, remove):action>")
@login_required
@limiter.limit(MOVES_PER_ACCOUNT, key_func=lambda: f"{account()}:moves", error_message=TOO_MANY)
def scenario(order_id: int, scenario_id: int, action: str) -> Any:
    actor = Actor.from_request()
    if action == "choose":
        scenarios.choose(order_id, scenario_id, actor=actor)
        flash("The payment option is chosen.", "success")
    else:
        scenarios.remove(order_id, scenario_id, actor=actor)
        flash("The payment option is removed.", "success")
    return redirect(url_for("orders.show", order_id=order_id, _anchor="payment"), code=303)


@bp.get("/orders/<int:order_id>/documents/<document_id>")
@login_required
def document(order_id: int, document_id: str) -> Response:
    """A document of the order, for its parties and admins only (404 otherwise): a PDF download, never shown as a
    page of the site (nosniff, a sandboxing CSP)."""
    if len(document_id) > 32:
        abort(404)
    entry = documents.for_download(order_id, document_id, actor=Actor.from_request())
    response = send_from_directory(
        documents.folder(),
        entry["file"],
        mimetype="application/pdf",
        as_attachment=True,
        download_name=entry["name"],
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return private_cache(response)


def _listing(side: str, template: str) -> Any:
    status = lists.status_filter(request.args.get("status"))
    found = lists.listing(side, status, request.args.get("cursor"), actor=Actor.from_request())
    return render_template(template, **found, statuses=lists.STATUSES)


@bp.get("/account/orders")
@login_required
def mine() -> Any:
    """My orders: the cars I reserved and bought, newest first, by status."""
    return _listing("buyer", "orders/mine.html")


@bp.get("/account/sales")
@role_required("seller", "admin")
def sales() -> Any:
    """Sales: reservations of my cars and the sales completed, newest first, by status."""
    return _listing("seller", "orders/sales.html")


@bp.post("/cars/<int:car_id>/sold-elsewhere")
@role_required("seller", "admin")
def sold_elsewhere(car_id: int) -> Response:
    """The seller sold the car outside carsite: it is marked sold, an open reservation cancelled, buyers told. A POST
    without confirm=yes changes nothing and goes back to the listing."""
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm that the car is sold.", "error")
        return redirect(url_for("selling.edit", car_id=car_id), code=303)
    reservations.sold_elsewhere(car_id, actor=Actor.from_request())
    flash("The car is marked as sold. Anyone who wrote to you about it is told.", "success")
    return redirect(url_for("selling.mine"), code=303)
