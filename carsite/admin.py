"""Admin pages: accounts (search, roles, deactivation, deletion) and the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from . import db, images
from .access import audit, role_required
from .errors import BadRequest
from .forms import RoleForm
from .paging import keyset_page

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50
ROLES = ("user", "seller", "admin")


def target(user_id: int) -> dict:
    account = db.optional("users.user_by_id", user_id=user_id)
    if account is None:
        abort(404, "There is no such account.")
    return account


def guard_last_admin(user_id: int) -> None:
    """Refuse changes that would leave the site without an active admin."""
    if target(user_id)["role"] == "admin" and db.scalar("users.count_active_admins", except_id=user_id) == 0:
        abort(409, "This is the last active admin account; make another admin first.")


@bp.get("/users")
@role_required("admin")
def users() -> str:
    """Accounts newest first, searchable by name or email, filterable by role."""
    text = request.args.get("q", "").strip()[:100] or None
    role = request.args.get("role") or None
    if role is not None and role not in ROLES:
        raise BadRequest("role must be user, seller or admin.", field="role")
    rows, next_cursor = keyset_page("users.admin_page", request.args.get("cursor"), PAGE_SIZE, text=text, role=role)
    return render_template(
        "admin/users.html", users=rows, q=text or "", role=role, next_cursor=next_cursor, roles=ROLES
    )


@bp.get("/users/<int:user_id>")
@role_required("admin")
def user(user_id: int) -> str:
    """One account with its live sessions and recent audit events."""
    account = target(user_id)
    return render_template(
        "admin/user.html",
        account=account,
        role_form=RoleForm(role=account["role"]),
        sessions=db.all("sessions.live_sessions", user_id=user_id),
        events=db.all("audit.page", action=None, subject_id=user_id, before_id=None, limit=20),
    )


@bp.post("/users/<int:user_id>/role")
@role_required("admin")
def set_role(user_id: int) -> Response:
    """Change an account's role."""
    form = RoleForm()
    if not form.validate_on_submit():
        raise BadRequest("role must be user, seller or admin.", field="role")
    if form.role.data != "admin":
        guard_last_admin(user_id)
    row = db.optional("users.set_role", user_id=user_id, role=form.role.data)
    if row is None:
        abort(404, "There is no such account.")
    if row["previous"] != form.role.data:
        audit("role.change", subject_id=user_id, old=row["previous"], new=form.role.data)
        flash(f"The role is now {form.role.data}.", "success")
    return redirect(url_for("admin.user", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/deactivate")
@role_required("admin")
def deactivate(user_id: int) -> Response:
    """Switch an account off: it is logged out everywhere at once and cannot log in."""
    if user_id == current_user.id:
        abort(409, "You cannot deactivate your own account.")
    guard_last_admin(user_id)
    with db.transaction():
        if db.optional("users.set_active", user_id=user_id, active=False) is None:
            abort(404, "There is no such account.")
        db.execute("sessions.revoke_user_sessions", user_id=user_id)
        audit("account.deactivate", subject_id=user_id)
    flash("The account is deactivated and logged out everywhere.", "success")
    return redirect(url_for("admin.user", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/reactivate")
@role_required("admin")
def reactivate(user_id: int) -> Response:
    """Switch an account back on."""
    if db.optional("users.set_active", user_id=user_id, active=True) is None:
        abort(404, "There is no such account, or it was deleted.")
    audit("account.reactivate", subject_id=user_id)
    flash("The account is active again.", "success")
    return redirect(url_for("admin.user", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/delete")
@role_required("admin")
def delete(user_id: int) -> Response:
    """Delete an account softly: personal data scrubbed, sessions ended, its cars and orders kept consistent."""
    if user_id == current_user.id:
        abort(409, "You cannot delete your own account here.")
    guard_last_admin(user_id)
    with db.transaction():
        row = db.optional("users.soft_delete", user_id=user_id)
        if row is None:
            abort(404, "There is no such account, or it was already deleted.")
        db.execute("sessions.revoke_user_sessions", user_id=user_id)
        audit("account.delete", subject_id=user_id)
    images.remove("avatars", row["avatar"])
    flash("The account is deleted; its personal data is gone.", "success")
    return redirect(url_for("admin.users"), code=303)


@bp.get("/audit")
@role_required("admin")
def audit_log() -> str:
    """Account events newest first, optionally of one action."""
    action = request.args.get("action", "").strip()[:60] or None
    before = request.args.get("before", "")
    if before and not before.isdigit():
        raise BadRequest("before must be an event number.", field="before")
    rows = db.all(
        "audit.page", action=action, subject_id=None, before_id=int(before) if before else None, limit=PAGE_SIZE + 1
    )
    older = rows[PAGE_SIZE - 1]["id"] if len(rows) > PAGE_SIZE else None
    return render_template("admin/audit.html", events=rows[:PAGE_SIZE], action=action or "", older=older)


@bp.get("/moderation")
@role_required("admin")
def moderation() -> str:
    """Listings waiting for review, oldest first."""
    return render_template("admin/moderation.html", cars=db.all("selling.moderation_queue"))


@bp.post("/moderation/<int:car_id>/<any(approve, reject):decision>")
@role_required("admin")
def decide(car_id: int, decision: str) -> Response:
    """Approve a pending listing, or reject it with a remark the seller sees."""
    remark = (request.form.get("remark") or "").strip()[:1000] or None
    if decision == "reject" and not remark:
        raise BadRequest("Write a remark so the seller knows what to fix.", field="remark")
    row = db.optional(
        "selling.decide",
        car_id=car_id,
        status="available" if decision == "approve" else "rejected",
        remark=remark if decision == "reject" else None,
    )
    if row is None:
        abort(404, "This listing is not waiting for review.")
    audit(f"listing.{decision}", subject_id=row["seller_id"], car_id=car_id, remark=remark)
    flash(f"“{row['title']}” is {'live' if decision == 'approve' else 'sent back to the seller'}.", "success")
    return redirect(url_for("admin.moderation"), code=303)


@bp.post("/cars/<int:car_id>/<any(feature, unfeature):action>")
@role_required("admin")
def feature(car_id: int, action: str) -> Response:
    """Show a car among the featured cars on the home page, or stop."""
    if db.optional("selling.set_featured", car_id=car_id, featured=action == "feature") is None:
        abort(404, "There is no such car.")
    audit(f"listing.{action}", car_id=car_id)
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("cars.show", car_id=car_id),
        code=303,
    )
