"""HTTP for saved searches: save one from a results page, list and manage them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from ..cars.search import interpret, parse_page
from ..domain.actor import Actor
from ..domain.errors import DomainError
from ..web.access import login_required
from . import FREQUENCIES, delete, describe, of, query_string, save, update

bp = Blueprint("searches", __name__)


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=False)


@bp.get("/searches/new")
@login_required
def new() -> str:
    """Confirm saving the search in the query string (where the login link of a results page comes back to)."""
    search = interpret(parse_page(request.args).search)
    return render_template(
        "searches/new.html", name=describe(search), query=query_string(search), frequencies=FREQUENCIES
    )


@bp.post("/searches")
@login_required
def create() -> Response | tuple[str, int]:
    """Save the search of ``query`` (the results page's filters); a duplicate or a 51st is refused with a message."""
    query = request.form.get("query", "")
    search = interpret(parse_page(MultiDict(_pairs(query))).search)
    try:
        save(search, request.form.get("name", ""), request.form.get("frequency", "daily"), actor=Actor.from_request())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("searches.index"), code=303)
    flash("Search saved: we will let you know when new cars match it.", "success")
    return redirect(url_for("searches.index"), code=303)


@bp.get("/searches")
@login_required
def index() -> str:
    """The person's saved searches, each with its filters in words (the name may have been changed since)."""
    saved = [
        {**s, "summary": describe(interpret(parse_page(MultiDict(_pairs(s["query"]))).search))}
        for s in of(Actor.from_request())
    ]
    return render_template("searches/index.html", saved=saved, frequencies=FREQUENCIES)


@bp.post("/searches/<int:search_id>")
@login_required
def change(search_id: int) -> Response:
    """Rename, change frequency, pause or resume one's own saved search; 404 for another person's."""
    action = request.form.get("action")
    try:
        if action == "delete":
            delete(search_id, actor=Actor.from_request())
            flash("Saved search deleted: no more alerts for it.", "success")
        else:
            paused = {"pause": True, "resume": False}.get(action or "")
            update(
                search_id,
                actor=Actor.from_request(),
                name=request.form.get("name") if action == "save" else None,
                frequency=request.form.get("frequency") if action == "save" else None,
                paused=paused,
            )
            flash("Saved search updated.", "success")
    except DomainError as exc:
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
    return redirect(url_for("searches.index"), code=303)
