"""HTTP for reviews: the public seller page (``/sellers/<id>``) and all their cars, writing a review from a completed
order or a held test drive, changing it, the seller's reply. Admins hide reviews in the admin area
(carsite.admin.views). Order pages offer the review with the ``review_prompt(order)`` template function (or the
``reviews/_prompt.html`` partial with ``order`` set)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..domain.actor import Actor
from ..domain.errors import Invalid
from ..web.access import login_required, public
from ..web.inputs import parse_id
from ..web.ratelimit import TOO_MANY, limiter
from . import reviews, sellers

bp = Blueprint("reviews", __name__)

# Per account: reviews and replies each tell someone by mail.
WRITES_PER_ACCOUNT = "20 per hour"


def _account() -> str:
    return f"reviews:{Actor.from_request().user_id}"


@bp.app_context_processor
def prompt_function() -> dict[str, Any]:
    def review_prompt(order: Any) -> dict[str, Any] | None:
        return reviews.prompt(order, actor=Actor.from_request())

    return {"review_prompt": review_prompt}


def _before(name: str = "before") -> int | None:
    raw = request.args.get(name)
    return None if raw in (None, "") else parse_id(raw, name)


@bp.get("/sellers/<int:seller_id>")
@public
def seller(seller_id: int) -> str:
    """A seller's public page: rating, reviews (ten at a time, ``?before=<review id>``), how they answer buyers,
    their newest cars. 404 for unknown, deleted or deactivated accounts and buyers with nothing to show."""
    actor = Actor.from_request()
    shown = sellers.page(seller_id, _before(), actor=actor)
    return render_template(
        "reviews/seller.html",
        **shown,
        actor_id=actor.user_id,
        answer_days=sellers.ANSWER_DAYS,
        reply_max=reviews.REPLY_MAX,
        paged=request.args.get("before") is not None,
    )


@bp.get("/sellers/<int:seller_id>/cars")
@public
def seller_cars(seller_id: int) -> str:
    """All of a seller's listed and reserved cars, newest first, 24 at a time (``?before=<car id>``)."""
    seller, cars, next_before = sellers.cars(seller_id, _before())
    return render_template("reviews/cars.html", seller=seller, cars=cars, next_before=next_before)


def _form(about: reviews.Target, *, values: Any, error: Invalid | None = None, status: int = 200):
    return (
        render_template(
            "reviews/write.html",
            about=about,
            review=None,
            values=values,
            error=error,
            body_max=reviews.BODY_MAX,
            edit_days=reviews.edit_days(),
        ),
        status,
    )


def _write(source: str, source_id: int) -> Response | tuple[str, int]:
    actor = Actor.from_request()
    about = reviews.target(source, source_id, actor=actor)
    if request.method == "GET":
        if about.review_id is not None:
            flash(reviews.ALREADY, "info")
            return redirect(url_for("reviews.edit", review_id=about.review_id), code=303)
        return _form(about, values={})
    try:
        review_id = reviews.write(source, source_id, request.form.get("rating"), request.form.get("body"), actor=actor)
    except Invalid as exc:
        return _form(about, values=request.form, error=exc, status=400)
    flash("Thank you: your review is on the seller's page.", "success")
    return redirect(reviews.seller_anchor(about.seller_id, review_id), code=303)


@bp.route("/orders/<int:order_id>/review", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITES_PER_ACCOUNT, key_func=_account, methods=["POST"], error_message=TOO_MANY)
def order_review(order_id: int) -> Response | tuple[str, int]:
    """Review the seller of a completed order (its buyer only: 404 for anyone else, 403 before completion, 409 for
    a second review)."""
    return _write("order", order_id)


@bp.route("/test-drives/<int:drive_id>/review", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITES_PER_ACCOUNT, key_func=_account, methods=["POST"], error_message=TOO_MANY)
def drive_review(drive_id: int) -> Response | tuple[str, int]:
    """Review the seller after a held test drive (its buyer only: 404 for anyone else, 403 before it was marked
    held, 409 for a second review)."""
    return _write("test_drive", drive_id)


@bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITES_PER_ACCOUNT, key_func=_account, methods=["POST"], error_message=TOO_MANY)
def edit(review_id: int) -> Response | tuple[str, int]:
    """The author's own review: change it within REVIEW_EDIT_DAYS (409 after), else read it (404 for others)."""
    actor = Actor.from_request()
    review = reviews.for_author(review_id, actor=actor)
    values: Any = {"rating": str(review["rating"]), "body": review["body"]}
    error = None
    if request.method == "POST":
        try:
            reviews.edit(review_id, request.form.get("rating"), request.form.get("body"), actor=actor)
        except Invalid as exc:
            values, error = request.form, exc
        else:
            flash("Your review is changed.", "success")
            return redirect(reviews.seller_anchor(review["seller_id"], review_id), code=303)
    page = render_template(
        "reviews/write.html",
        about=None,
        review=review,
        values=values,
        error=error,
        body_max=reviews.BODY_MAX,
        edit_days=reviews.edit_days(),
    )
    return page, 400 if error else 200


@bp.post("/reviews/<int:review_id>/reply")
@login_required
@limiter.limit(WRITES_PER_ACCOUNT, key_func=_account, error_message=TOO_MANY)
def reply(review_id: int) -> Response:
    """The seller's one reply to a review of them (404 for anyone else, 409 for a second one)."""
    row = reviews.reply(review_id, request.form.get("reply"), actor=Actor.from_request())
    flash("Your reply is published under the review.", "success")
    return redirect(reviews.seller_anchor(row["seller_id"], review_id), code=303)
