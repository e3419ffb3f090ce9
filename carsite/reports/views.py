"""HTTP for reports: "Report this conversation" (members only) and "Report this listing" (logged-in people)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..domain.actor import Actor
from ..domain.errors import Invalid
from ..web.access import login_required
from ..web.ratelimit import TOO_MANY, limiter
from . import reports

bp = Blueprint("reports", __name__)

# Per account, over both kinds: enough for anyone reporting what they meet, too few to flood the moderators.
REPORTS_PER_ACCOUNT = "10 per hour"


def _reporter_key() -> str:
    return f"report:{current_user.id}"


def _form(target: dict, kind: str, *, form: dict, error: Invalid | None = None, status: int = 200):
    return (
        render_template(
            "reports/form.html",
            kind=kind,
            target=target,
            reasons=reports.REASONS,
            form=form,
            error=error,
            details_max=reports.DETAILS_MAX,
            already=False
            if error
            else reports.already(
                actor=Actor.from_request(),
                car_id=target["car_id"] if kind == "conversation" else target["id"],
                conversation_id=target["id"] if kind == "conversation" else None,
            ),
        ),
        status,
    )


@bp.route("/messages/<int:conversation_id>/report", methods=["GET", "POST"])
@login_required
@limiter.limit(REPORTS_PER_ACCOUNT, key_func=_reporter_key, methods=["POST"], error_message=TOO_MANY)
def conversation(conversation_id: int) -> Response | tuple[str, int]:
    """Report a conversation one is a member of (404 for anyone else): the form, and filing it."""
    actor = Actor.from_request()
    target = reports.conversation_target(conversation_id, actor=actor)
    back = f"/messages/{conversation_id}"
    if request.method == "GET":
        return _form(target, "conversation", form={})
    try:
        filed = reports.report_conversation(
            conversation_id, request.form.get("reason"), request.form.get("details"), actor=actor
        )
    except Invalid as exc:
        return _form(target, "conversation", form=request.form, error=exc, status=400)
    _thank(filed)
    return redirect(back, code=303)


@bp.route("/cars/<int:car_id>/report", methods=["GET", "POST"])
@login_required
@limiter.limit(REPORTS_PER_ACCOUNT, key_func=_reporter_key, methods=["POST"], error_message=TOO_MANY)
def car(car_id: int) -> Response | tuple[str, int]:
    """Report a listing (404 for a car nobody may see; 409 for one's own): the form, and filing it."""
    actor = Actor.from_request()
    target = {**reports.car_target(car_id, actor=actor), "car_id": car_id}
    if request.method == "GET":
        return _form(target, "car", form={})
    try:
        filed = reports.report_car(car_id, request.form.get("reason"), request.form.get("details"), actor=actor)
    except Invalid as exc:
        return _form(target, "car", form=request.form, error=exc, status=400)
    _thank(filed)
    return redirect(url_for("cars.show", car_id=car_id), code=303)


def _thank(filed: reports.Filed) -> None:
    if filed.duplicate:
        flash(reports.ALREADY, "info")
    else:
        flash("Thank you for your report: our moderators will look at it soon.", "success")
