"""HTTP for test drives: asking for one in a conversation, its moves, its calendar file, the seller's hours.

Only the drive's buyer and seller reach a drive (404 for everyone else); the conversation page shows the drives
through the template ``testdrives/_panel.html`` (the ``test_drive_panel`` template function reads what it shows).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..cars import catalogue
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, Invalid
from ..messages import conversations
from ..web.access import login_required, role_required
from ..web.forms import safe_next
from ..web.ratelimit import TOO_MANY, limiter
from . import drives, hours

bp = Blueprint("testdrives", __name__)

# Per account: asking (each request mails the seller) and moving drives (each move mails the other side).
REQUESTS_PER_ACCOUNT = "10 per hour;30 per day"
MOVES_PER_ACCOUNT = "60 per hour"


def account() -> str:
    return f"testdrives:{current_user.id}"


DONE = {
    "confirm": "The test drive is confirmed. You both got a calendar invitation by mail.",
    "propose": "Your times are sent: the other side confirms one of them.",
    "decline": "The request is declined.",
    "cancel": "The test drive is cancelled.",
    "held": "Marked as held. Thank you.",
    "no_show": "Marked as a no-show.",
}


@bp.app_context_processor
def panel_function() -> dict[str, Any]:
    def test_drive_panel(conversation: Any, rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return drives.panel(conversation, rows, actor=Actor.from_request())

    def test_drive_booking(car: dict[str, Any]) -> dict[str, Any]:
        return drives.booking(car, actor=Actor.from_request())

    return {"test_drive_panel": test_drive_panel, "test_drive_booking": test_drive_booking}


def back(conversation_id: int) -> Response:
    target = safe_next(request.form.get("next")) or f"/messages/{conversation_id}"
    return redirect(f"{target.split('#')[0]}#test-drives", code=303)


@bp.post("/messages/<int:conversation_id>/test-drives")
@login_required
@limiter.limit(REQUESTS_PER_ACCOUNT, key_func=account, error_message=TOO_MANY)
def create(conversation_id: int) -> Response:
    """The buyer asks for a test drive at up to three times."""
    utm = {key: request.form.get(key) for key in conversations.UTM_KEYS}
    drives.request(
        conversation_id,
        drives.SlotInput.from_form(request.form),
        request.form.get("note"),
        actor=Actor.from_request(),
        utm=utm,
    )
    flash("Your test drive request is sent to the seller.", "success")
    return back(conversation_id)


@bp.get("/cars/<int:car_id>/test-drives")
@login_required
def book_page(car_id: int) -> str:
    """Book a test drive of a car (linked from its page): the car and the booking box (``testdrives/_book.html``),
    which offers the seller's free times. A page of its own keeps the car page's queries few."""
    return render_template("testdrives/book.html", car=catalogue.public_car(car_id), error=None)


@bp.post("/cars/<int:car_id>/test-drives")
@login_required
@limiter.limit(REQUESTS_PER_ACCOUNT, key_func=account, error_message=TOO_MANY)
def book(car_id: int) -> Response | tuple[str, int]:
    """A buyer asks for a test drive from the booking page: in their conversation about the car, started if new. A
    refusal shows the page again with the reason."""
    utm = {key: request.form.get(key) for key in conversations.UTM_KEYS}
    try:
        drive = drives.book(
            car_id,
            drives.SlotInput.from_form(request.form),
            request.form.get("note"),
            actor=Actor.from_request(),
            utm=utm,
        )
    except (Invalid, Conflict, Forbidden) as exc:
        car = catalogue.public_car(car_id)
        return render_template("testdrives/book.html", car=car, error=exc.message), exc.status
    flash("Your test drive request is sent to the seller.", "success")
    return redirect(f"/messages/{drive['conversation_id']}#test-drives", code=303)


@bp.post("/test-drives/<int:drive_id>/<any(confirm, propose, decline, cancel, held, no_show):action>")
@login_required
@limiter.limit(MOVES_PER_ACCOUNT, key_func=lambda: f"{account()}:moves", error_message=TOO_MANY)
def act(drive_id: int, action: str) -> Response:
    """One move of a test drive by its buyer or seller."""
    drive = drives.act(drive_id, action, request.form, actor=Actor.from_request())
    flash(DONE[action], "success")
    return back(drive["conversation_id"])


@bp.get("/test-drives/<int:drive_id>.ics")
@login_required
def ics(drive_id: int) -> Response:
    """The calendar file of a confirmed test drive, for its buyer and seller."""
    response = make_response(drives.ics(drive_id, actor=Actor.from_request()))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = f'attachment; filename="test-drive-{drive_id}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/account/test-drives", methods=["GET", "POST"])
@role_required("seller", "admin")
def settings() -> Response | tuple[str, int]:
    """The seller's time zone, length of a test drive and weekly opening hours."""
    actor = Actor.from_request()
    current = hours.settings_of(actor.user_id or 0)
    error: Invalid | None = None
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in request.form}
        try:
            hours.save(values, actor=actor)
        except Invalid as exc:
            error = exc
        else:
            flash("Your test drive hours are saved.", "success")
            return redirect(url_for("testdrives.settings"), code=303)
    else:
        values = {"time_zone": current.time_zone, "slot_minutes": str(current.slot_minutes)}
        for day in range(1, 8):
            intervals = current.opening_hours.get(str(day))
            if intervals:
                values[f"open_{day}"] = "y"
                values[f"from_{day}"], values[f"to_{day}"] = intervals[0]
    page = render_template(
        "testdrives/settings.html",
        values=values,
        error=error,
        weekdays=list(enumerate(hours.WEEKDAYS, start=1)),
        slot_choices=hours.SLOT_CHOICES,
        zones=hours.time_zones(),
    )
    return page, 400 if error else 200
