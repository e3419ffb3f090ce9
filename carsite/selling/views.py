"""HTTP for selling: the seller's listings, the listing form, photos and status moves. Only the seller (or an
admin) reaches a listing here: everyone else gets 404, so ids cannot be probed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import demo_photos, images
from ..domain import numbers
from ..domain.actor import Actor
from ..domain.errors import Conflict, NotFound
from ..web.access import public, role_required
from ..web.forms import confirmation_page, confirmed, form_page, safe_next
from . import expiry, listings, photos, price_check, revisions, workflow
from .form import ListingForm, filled_from_vin, specs_text

bp = Blueprint("selling", __name__)


SELL_LOGIN = "Log in or create an account to sell your car."


@bp.get("/sell")
@role_required("seller", "admin", lead="account.start_selling", login_message=SELL_LOGIN)
def mine() -> str:
    """The seller's listings with their status, remarks, photos and views; a buyer is led to becoming a seller."""
    cursor = request.args.get("cursor")
    cars, next_cursor = listings.of_seller(cursor, actor=Actor.from_request())
    return render_template("selling/mine.html", cars=cars, next_cursor=next_cursor, first_page=not cursor)


@bp.route("/sell/new", methods=["GET", "POST"])
@role_required("seller", "admin", lead="account.start_selling", login_message=SELL_LOGIN)
def create() -> Response | tuple[str, int]:
    """A new listing, saved as a draft; photos come next."""
    actor = Actor.from_request()
    listings.require_confirmed_email(actor)
    if decoding_vin():
        form, note = vin_filled(live=False)
        return form_page("selling/form.html", form=form, car=None, vin_note=note)
    form = ListingForm()
    if showing_models():
        return form_page("selling/form.html", form=form, car=None)
    valid = form.validate_on_submit()
    asked = price_check.question(form.values(), confirmed=request.form.get("confirm_price")) if valid else None
    if valid and asked is None:
        car_id = listings.create(form.values(), actor=actor)
        flash("Your draft is saved. Add photos, then submit it for review.", "success")
        if form.vin_warning:
            flash(form.vin_warning, "warning")
        return redirect(url_for("selling.edit", car_id=car_id), code=303)
    return form_page("selling/form.html", form=form, car=None, price_question=asked)


@bp.route("/sell/<int:car_id>", methods=["GET", "POST"])
@role_required("seller", "admin")
def edit(car_id: int) -> Response | tuple[str, int]:
    """Edit a listing; its photos and status actions are on the same page."""
    actor = Actor.from_request()
    car, revision = listings.for_form(car_id, actor=actor)
    shown = revisions.with_proposal(car, revision)
    live = workflow.is_public(car["status"])
    if decoding_vin():
        form, note = vin_filled(live=live)
        return form_page(
            "selling/form.html", form=form, car=car, revision=revision, photos=photos.photos(car_id), vin_note=note
        )
    form = (
        ListingForm(live=live)
        if request.method == "POST"
        else ListingForm(data={**shown, **form_catalogue(car, shown), "specs": specs_text(shown["specs"])}, live=live)
    )
    if showing_models():
        return form_page("selling/form.html", form=form, car=car, revision=revision, photos=photos.photos(car_id))
    valid = form.validate_on_submit()
    asked = None  # ask about a price only when the seller changed it (once confirmed, it is not asked again)
    if valid and revisions.comparable("price", form.price.data) != revisions.comparable("price", shown["price"]):
        asked = price_check.question(form.values(), car_id=car_id, confirmed=request.form.get("confirm_price"))
    if valid and asked is None:
        saved = listings.update(car_id, form.values(), actor=actor)
        if saved.for_review:
            names = [revisions.LABELS[name].lower() for name in saved.for_review]
            labels = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            flash(
                f"Your changes to the {labels} wait for review; the public page shows the approved version until then."
                + (" Your other changes are live." if saved.applied else ""),
                "success",
            )
        elif saved.discarded:
            flash("Your changes are saved; nothing waits for review any more.", "success")
        else:
            flash("Your changes are saved.", "success")
        if form.vin_warning:
            flash(form.vin_warning, "warning")
        return redirect(url_for("selling.edit", car_id=car_id), code=303)
    return form_page(
        "selling/form.html", form=form, car=car, revision=revision, photos=photos.photos(car_id), price_question=asked
    )


def decoding_vin() -> bool:
    """Whether the seller pressed "Fill in from the VIN": the form comes back with what the VIN says filled into
    empty fields and a note of what was read, nothing saved (CSRF is checked for every POST all the same)."""
    return request.method == "POST" and "decode_vin" in request.form


def vin_filled(live: bool) -> tuple[ListingForm, str | None]:
    """The listing form filled from its VIN, with the note of what was read (or the VIN's problem on its field)."""
    filled, note, problem = filled_from_vin(request.form)
    form = ListingForm(formdata=filled, live=live)
    if problem:
        form.vin.errors = [problem]
    return form, note


def showing_models() -> bool:
    """Whether the seller pressed "Show models" (the form without JavaScript): the form comes back with the
    chosen make's models and everything typed, nothing saved."""
    return request.method == "POST" and "show_models" in request.form


def form_catalogue(car: dict, shown: dict) -> dict:
    """The make and model selects' values for a stored listing: its ids, or "other" with the typed model. A pending
    revision proposes names, which the form reads through the catalogue."""
    if (shown["make"], shown["model"]) != (car["make"], car["model"]):
        return {"make": shown["make"], "model": shown["model"], "model_other": None}
    if car["model_id"] is None:
        return {"make": str(car["make_id"] or car["make"]), "model": "other", "model_other": car["model_other"]}
    return {"make": str(car["make_id"]), "model": str(car["model_id"])}


@bp.post("/sell/<int:car_id>/revision/discard")
@role_required("seller", "admin")
def discard_revision(car_id: int) -> Response:
    """Drop the changes waiting for review (and the photos waiting with them); the public version stays."""
    if workflow.discard_revision(car_id, actor=Actor.from_request()):
        flash("Your changes waiting for review are discarded; the listing stays as it was approved.", "success")
    return redirect(url_for("selling.edit", car_id=car_id), code=303)


@bp.post("/sell/<int:car_id>/photos")
@role_required("seller", "admin")
def add_photos(car_id: int) -> Response:
    """Add photos (several at once): each is decoded, stripped of metadata and stored in two sizes."""
    actor = Actor.from_request()
    listings.own_listing(car_id, actor=actor)
    if request.content_length and request.content_length > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413)
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    if not files:
        flash("Choose one or more photos to upload.", "error")
        return redirect(url_for("selling.edit", car_id=car_id, _anchor="photos"), code=303)
    uploads = [(f.filename or "", f.read(photos.PHOTO_MAX_BYTES + 1)) for f in files[: photos.MAX_PHOTOS + 1]]
    uploads += [(f.filename or "", b"") for f in files[photos.MAX_PHOTOS + 1 :]]
    added, refused = photos.add(car_id, uploads, actor=actor)
    if added:
        flash(f"{added} photo(s) added.", "success")
    if refused:
        flash("Not added: " + "; ".join(refused) + ".", "error")
    return redirect(url_for("selling.edit", car_id=car_id, _anchor="photos"), code=303)


@bp.post("/sell/<int:car_id>/photos/<int:photo_id>/<any(earlier, later, first, delete):action>")
@role_required("seller", "admin")
def photo_action(car_id: int, photo_id: int, action: str) -> Response:
    """Reorder with plain buttons (earlier, later, make it the cover) or delete a photo."""
    photos.arrange(car_id, photo_id, action, actor=Actor.from_request())
    return redirect(url_for("selling.edit", car_id=car_id, _anchor="photos"), code=303)


@bp.post("/sell/<int:car_id>/<any(submit, withdraw, relist):action>")
@role_required("seller", "admin")
def change_status(car_id: int, action: str) -> Response:
    """Submit a draft (or a rejected listing) for review, withdraw it, or put a withdrawn one back up."""
    try:
        move = workflow.change(car_id, action, actor=Actor.from_request())
        flash(move.done, "success")
    except Conflict as exc:
        flash(exc.message, "error")
    return redirect(url_for("selling.edit", car_id=car_id), code=303)


@bp.post("/sell/<int:car_id>/renew")
@role_required("seller", "admin")
def renew(car_id: int) -> Response:
    """Renew an expired listing, or a live one about to expire: live for LISTING_DAYS from now. Back to ``next``
    (the seller's listings) or the listing's page."""
    try:
        row = expiry.renew(car_id, actor=Actor.from_request())
        flash(f"Renewed: “{row['title']}” is live until {numbers.day(row['expires_at'], _locale())}.", "success")
    except Conflict as exc:
        flash(exc.message, "error")
    return redirect(safe_next(request.form.get("next")) or url_for("selling.edit", car_id=car_id), code=303)


@bp.route("/sell/renew/<token>", methods=["GET", "POST"])
@public
def renew_from_mail(token: str) -> Response:
    """The one-click renewal link of the expiry mails. GET shows the listing and a "Renew listing" button (and
    changes nothing: link scanners open it); the POST (with CSRF) renews it, no login needed: the signed token,
    bound to the car, its owner and the listing's listed_at, is the proof, so a link renews once. 400 for a
    damaged, forged or expired link, 404 when the car is gone, 409 when it was renewed or changed since; nothing
    changes then. Never kept by a cache: the link is the owner's key."""
    response = make_response(renew_page(token))
    response.headers["Cache-Control"] = "no-store, private"
    return response


def renew_page(token: str) -> tuple[str, int]:
    """The page of a renewal link and its status (see renew_from_mail)."""
    try:
        car, listed_at = expiry.car_of_link(token)
    except (expiry.BadToken, NotFound) as exc:
        message = str(exc) if isinstance(exc, expiry.BadToken) else exc.message
        return render_template("selling/renew.html", error=message, car=None), (
            400 if isinstance(exc, expiry.BadToken) else 404
        )
    problem = expiry.link_problem(car, listed_at)
    if problem:
        return render_template("selling/renew.html", error=problem, car=car), 409
    if request.method == "POST":
        try:
            renewed = expiry.renew_from_link(token, actor=Actor.from_request())
        except Conflict as exc:
            return render_template("selling/renew.html", error=exc.message, car=car), 409
        return render_template("selling/renew.html", error=None, car=car, renewed=renewed), 200
    return render_template(
        "selling/renew.html", error=None, car=car, renewed=None, expires=expiry.expires_at(car), token=token
    ), 200


def _locale() -> str:
    return str(current_app.config.get("LOCALE", "en"))


@bp.route("/sell/<int:car_id>/delete", methods=["GET", "POST"])
@role_required("seller", "admin")
def delete(car_id: int) -> Response | str:
    """Ask first (GET: what deleting means), then delete softly on a POST with confirm=yes: the listing leaves the
    site; orders and history keep it. A POST without confirm=yes changes nothing and goes to the question."""
    actor = Actor.from_request()
    car = listings.own_listing(car_id, actor=actor)
    if confirmed():
        listings.delete(car_id, actor=actor)
        flash("The listing is deleted.", "success")
        return redirect(url_for("selling.mine"), code=303)
    return confirmation_page(
        url_for("selling.delete", car_id=car_id),
        heading="Delete this listing?",
        question=f"You are about to delete “{car['title']}”.",
        consequences=[
            "It leaves the site at once: buyers can no longer find it, open its page or save it.",
            "You can no longer edit, relist or submit it; its photos are no longer shown.",
            "Orders and history that involve it keep a record of it.",
        ],
        button="Delete the listing",
        cancel=url_for("selling.edit", car_id=car_id),
    )


@bp.get("/media/photos/<name>-<any(thumb, large):size>.webp")
@public
def photo(name: str, size: str) -> Response:
    """A listing photo: server-made names only, never rendered as HTML, cached for a year (names never change)."""
    if not images.PHOTO_NAME.fullmatch(name):
        abort(404)
    demo = photos.drawn(name, size)
    if demo is not None:
        return images.serve("demo", demo, "photo.webp")
    return images.serve("photos", f"{name}-{size}.webp", "photo.webp")


@bp.get("/media/bodies/<name>.svg")
@public
def placeholder(name: str) -> Response:
    """What a car without photos shows: the outline of its body type (any other name: a generic car)."""
    response = current_app.response_class(demo_photos.silhouette_svg(name), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
