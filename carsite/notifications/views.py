"""HTTP for notifications: the notification centre (/notifications), the settings per kind and channel
(/account/notifications), and the unsubscribe link of every non-transactional mail, which lands on those same
settings without a login."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..domain.actor import Actor
from ..domain.errors import NotFound
from ..web import csrf
from ..web.access import login_required, public
from ..web.forms import safe_next
from ..web.inputs import parse_id
from . import KINDS, BadToken, centre, preferences, read_unsubscribe_token

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index() -> str:
    """The person's notifications, newest first, 30 a page (``cursor`` for the next); unread ones marked."""
    cursor = request.args.get("cursor")
    rows, next_cursor = centre.page(cursor, actor=Actor.from_request())
    return render_template(
        "notifications/index.html", notifications=rows, next_cursor=next_cursor, first_page=not cursor, kinds=KINDS
    )


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_one(notification_id: int) -> Response:
    """Mark a notification read and go where it leads (back to the list when it leads nowhere); 404 when it is not
    the person's. A POST, so that only the person's click reads it: a plain link changes nothing."""
    url = centre.open_one(notification_id, actor=Actor.from_request())
    return redirect(safe_next(url) or url_for("notifications.index"), code=303)


@bp.post("/notifications/read")
@login_required
def read_all() -> Response:
    """Mark read every unread notification up to ``up_to``, the newest the page showed (all without it)."""
    raw = request.form.get("up_to")
    up_to = parse_id(raw, "up_to") if raw else None
    marked = centre.mark_all_read(up_to, actor=Actor.from_request())
    flash("All notifications are marked as read." if marked else "There was nothing unread.", "success")
    return redirect(url_for("notifications.index"), code=303)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings() -> Response | str:
    """The table of kinds × channels; POST (with CSRF) saves the whole table."""
    if request.method == "POST":
        preferences.save(current_user.id, preferences.read_form(request.form), actor=Actor.from_request())
        flash("Your notification settings are saved.", "success")
        return redirect(url_for("notifications.settings"), code=303)
    return render_template(
        "notifications/settings.html",
        person=preferences.person(current_user.id),
        choices=preferences.choices(current_user.id),
        action=url_for("notifications.settings"),
        token=None,
        highlight=None,
        channels=preferences.CHANNELS,
    )


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # the signed token is the proof; mail clients POST "List-Unsubscribe=One-Click" without a form (RFC 8058)
def unsubscribe(token: str) -> Response | tuple[str, int]:
    """The landing page of an unsubscribe link: the person's notification settings, no login needed, with the
    link's kind highlighted. GET changes nothing (link scanners open it). POST stops the link's kind of mail (the
    page's one button, or a mail client's one-click request, answered in plain text); a POST of the whole table
    (``settings``) saves it. 400 for a damaged or expired link, with the way to log in; 404, changing nothing, for
    the link of an account deleted since (no mail goes to it any more)."""
    try:
        user_id, kind = read_unsubscribe_token(token)
        person = preferences.person(user_id)
    except BadToken as exc:
        return render_template("notifications/unsubscribe.html", error=str(exc), gone=False), 400
    except NotFound as exc:
        return render_template("notifications/unsubscribe.html", error=exc.message, gone=True), 404
    done = None
    if request.method == "POST":
        actor = Actor.from_request()
        if "settings" in request.form:
            preferences.save(user_id, preferences.read_form(request.form), actor=actor)
            done = "saved"
        else:
            preferences.stop(user_id, kind, actor=actor)
            if request.form.get("List-Unsubscribe") == "One-Click":
                return Response("Unsubscribed.\n", mimetype="text/plain")
            done = "stopped"
    return render_template(
        "notifications/unsubscribe.html",
        error=None,
        kind=KINDS[kind],
        done=done,
        person=person,
        choices=preferences.choices(user_id),
        action=url_for("notifications.unsubscribe", token=token),
        token=token,
        highlight=kind,
        channels=preferences.CHANNELS,
    ), 200
