"""Selling: create and edit listings, photos, submit for review, withdraw, delete. Only the seller (or an admin)
reaches a listing here: everyone else gets 404, so ids cannot be probed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from . import db, images
from .access import audit, public, role_required
from .auth import form_page
from .listings import ListingForm, specs_text

bp = Blueprint("selling", __name__)
MAX_PHOTOS = 20
PHOTO_MAX_BYTES = 10 * 1024 * 1024


def own_listing(car_id: int) -> dict:
    """The listing when the current user may edit it; 404 otherwise (also for other sellers' cars)."""
    car = db.optional(
        "selling.listing_for_owner", car_id=car_id, user_id=current_user.id, is_admin=current_user.is_admin
    )
    if car is None:
        abort(404, "There is no such listing among yours.")
    return car


def needs_confirmed_email() -> None:
    if not current_user.email_verified:
        abort(
            403,
            "Confirm your email address before listing a car: use the link we sent you, or send a new one "
            "from your account page.",
        )


@bp.get("/sell")
@role_required("seller", "admin")
def mine() -> str:
    """The seller's listings with their status, remarks, photos and views."""
    return render_template("selling/mine.html", cars=db.all("selling.of_seller", seller_id=current_user.id))


@bp.route("/sell/new", methods=["GET", "POST"])
@role_required("seller", "admin")
def create() -> Response | tuple[str, int]:
    """A new listing, saved as a draft; photos come next."""
    needs_confirmed_email()
    form = ListingForm()
    if form.validate_on_submit():
        car_id = db.scalar("selling.insert_listing", seller_id=current_user.id, **form.values())
        flash("Your draft is saved. Add photos, then submit it for review.", "success")
        return redirect(url_for("selling.edit", car_id=car_id), code=303)
    return form_page("selling/form.html", form=form, car=None)


@bp.route("/sell/<int:car_id>", methods=["GET", "POST"])
@role_required("seller", "admin")
def edit(car_id: int) -> Response | tuple[str, int]:
    """Edit a listing; its photos and status actions are on the same page."""
    car = own_listing(car_id)
    form = ListingForm() if request.method == "POST" else ListingForm(data={**car, "specs": specs_text(car["specs"])})
    if form.validate_on_submit():
        db.one("selling.update_listing", car_id=car_id, **form.values())
        flash("Your changes are saved.", "success")
        return redirect(url_for("selling.edit", car_id=car_id), code=303)
    return form_page(
        "selling/form.html",
        form=form,
        car=car,
        photos=db.all("selling.photos", car_id=car_id),
    )


@bp.post("/sell/<int:car_id>/photos")
@role_required("seller", "admin")
def add_photos(car_id: int) -> Response:
    """Add photos (several at once): each is decoded, stripped of metadata and stored in two sizes."""
    own_listing(car_id)
    if request.content_length and request.content_length > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413)
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    if not files:
        flash("Choose one or more photos to upload.", "error")
        return redirect(url_for("selling.edit", car_id=car_id, _anchor="photos"), code=303)
    have = db.scalar("selling.photo_count", car_id=car_id)
    added, refused = 0, []
    for upload in files[: max(0, MAX_PHOTOS - have)]:
        data = upload.read(PHOTO_MAX_BYTES + 1)
        if len(data) > PHOTO_MAX_BYTES:
            refused.append(f"{upload.filename}: larger than 10 MB")
            continue
        try:
            name, width, height = images.save_photo(data)
        except images.ImageRejected as exc:
            refused.append(f"{upload.filename}: {exc}")
            continue
        db.scalar("selling.add_photo", car_id=car_id, file=name, width=width, height=height)
        added += 1
    if len(files) > MAX_PHOTOS - have:
        refused.append(f"a listing holds at most {MAX_PHOTOS} photos")
    db.one("selling.refresh_cover", car_id=car_id)
    if added:
        flash(f"{added} photo(s) added.", "success")
    if refused:
        flash("Not added: " + "; ".join(refused) + ".", "error")
    return redirect(url_for("selling.edit", car_id=car_id, _anchor="photos"), code=303)


@bp.post("/sell/<int:car_id>/photos/<int:photo_id>/<any(earlier, later, first, delete):action>")
@role_required("seller", "admin")
def photo_action(car_id: int, photo_id: int, action: str) -> Response:
    """Reorder with plain buttons (earlier, later, make it the cover) or delete a photo."""
    own_listing(car_id)
    with db.transaction():
        if action == "delete":
            row = db.optional("selling.delete_photo", car_id=car_id, photo_id=photo_id)
            if row is None:
                abort(404, "There is no such photo.")
        else:
            db.execute(
                "selling.move_photo",
                car_id=car_id,
                photo_id=photo_id,
                to_front=action == "first",
                step=-1 if action == "earlier" else 1,
            )
        db.one("selling.refresh_cover", car_id=car_id)
    if action == "delete":
        images.remove_photo(row["file"])
    return redirect(url_for("selling.edit", car_id=car_id, _anchor="photos"), code=303)


TRANSITIONS = {
    "submit": ("pending", ("draft", "rejected"), "Submitted for review. We will let you know when it is live."),
    "withdraw": ("withdrawn", ("draft", "pending", "rejected", "available"), "The listing is withdrawn."),
    "relist": ("pending", ("withdrawn",), "Submitted for review again."),
}


@bp.post("/sell/<int:car_id>/<any(submit, withdraw, relist):action>")
@role_required("seller", "admin")
def change_status(car_id: int, action: str) -> Response:
    """Submit a draft (or a rejected listing) for review, withdraw it, or put a withdrawn one back up."""
    own_listing(car_id)
    if action in ("submit", "relist"):
        needs_confirmed_email()
    status, allowed, message = TRANSITIONS[action]
    if db.optional("selling.set_status", car_id=car_id, status=status, from_statuses=list(allowed)) is None:
        flash("That is not possible in the listing's current state.", "error")
    else:
        audit(f"listing.{action}", subject_id=current_user.id, car_id=car_id)
        flash(message, "success")
    return redirect(url_for("selling.edit", car_id=car_id), code=303)


@bp.post("/sell/<int:car_id>/delete")
@role_required("seller", "admin")
def delete(car_id: int) -> Response:
    """Delete a listing softly: it leaves the site; orders and history keep it."""
    own_listing(car_id)
    db.one("selling.soft_delete", car_id=car_id)
    audit("listing.delete", subject_id=current_user.id, car_id=car_id)
    flash("The listing is deleted.", "success")
    return redirect(url_for("selling.mine"), code=303)


@bp.get("/media/photos/<name>-<any(thumb, large):size>.webp")
@public
def photo(name: str, size: str) -> Response:
    """A listing photo: server-made names only, never rendered as HTML, cached for a year (names never change)."""
    if not images.PHOTO_NAME.fullmatch(name):
        abort(404)
    return images.serve("photos", f"{name}-{size}.webp", "photo.webp")
