"""HTTP for notifications: the one-click unsubscribe link of every non-transactional mail."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from .. import db
from ..web import csrf
from ..web.access import public
from . import KINDS, BadToken, read_unsubscribe_token, stop_mail

bp = Blueprint("notifications", __name__)


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # the signed token is the proof; mail clients POST "List-Unsubscribe=One-Click" without a form (RFC 8058)
def unsubscribe(token: str) -> Response | tuple[str, int]:
    """GET: the landing page of an unsubscribe link (link scanners open it: it changes nothing). POST: stop this
    kind of mail, from the page's button or a mail client's one-click request."""
    try:
        user_id, kind = read_unsubscribe_token(token)
    except BadToken as exc:
        return render_template("notifications/unsubscribe.html", error=str(exc), kind=None, done=False), 400
    done = False
    if request.method == "POST":
        with db.transaction():
            stop_mail(user_id, kind)
        done = True
        if request.form.get("List-Unsubscribe") == "One-Click":
            return Response("Unsubscribed.\n", mimetype="text/plain")
    return render_template("notifications/unsubscribe.html", error=None, kind=KINDS[kind], done=done, token=token), 200
