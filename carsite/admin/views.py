"""HTTP for admins: accounts (search, roles, deactivation, deletion), the audit log, moderation and featuring."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import db
from ..accounts import management
from ..accounts.forms import RoleForm
from ..cars import makes
from ..domain.actor import Actor
from ..domain.errors import Conflict, DomainError, Invalid, NotFound
from ..domain.vocabulary import BODIES, ROLES
from ..reports import reports
from ..reviews import reviews as seller_reviews
from ..selling import workflow
from ..web.access import role_required
from ..web.forms import confirmation_page, confirmed
from ..web.inputs import parse_id
from . import outbox

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE = 50


@bp.get("/users")
@role_required("admin")
def users() -> str:
    """Accounts newest first, searchable by name or email, filterable by role."""
    text = request.args.get("q", "").strip()[:100] or None
    role = request.args.get("role") or None
    rows, next_cursor = management.accounts_page(text, role, request.args.get("cursor"), actor=Actor.from_request())
    return render_template(
        "admin/users.html", users=rows, q=text or "", role=role, next_cursor=next_cursor, roles=ROLES
    )


@bp.get("/users/<int:user_id>")
@role_required("admin")
def user(user_id: int) -> str:
    """One account with its live sessions and recent audit events."""
    account = management.account(user_id, actor=Actor.from_request())
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
        raise Invalid("role must be user, seller or admin.", field="role")
    previous = management.set_role(user_id, form.role.data, actor=Actor.from_request())
    if previous != form.role.data:
        flash(f"The role is now {form.role.data}.", "success")
    return redirect(url_for("admin.user", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/<any(deactivate, reactivate):action>")
@role_required("admin")
def set_active(user_id: int, action: str) -> Response:
    """Switch an account off (it is logged out everywhere at once and cannot log in) or back on."""
    if action == "deactivate":
        management.deactivate(user_id, actor=Actor.from_request())
        flash("The account is deactivated and logged out everywhere.", "success")
    else:
        management.reactivate(user_id, actor=Actor.from_request())
        flash("The account is active again.", "success")
    return redirect(url_for("admin.user", user_id=user_id), code=303)


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
@role_required("admin")
def delete(user_id: int) -> Response | str:
    """Ask first (GET: what deleting means), then delete softly on a POST with confirm=yes: personal data
    scrubbed, sessions ended, its cars and orders kept consistent. A POST without confirm=yes changes nothing and
    goes to the question."""
    actor = Actor.from_request()
    if confirmed():
        management.delete(user_id, actor=actor)
        flash("The account is deleted; its personal data is gone.", "success")
        return redirect(url_for("admin.users"), code=303)
    account = management.account(user_id, actor=actor)
    if account["deleted_at"] is not None:
        raise NotFound("There is no such account, or it was already deleted.")
    return confirmation_page(
        url_for("admin.delete", user_id=user_id),
        heading="Delete this account?",
        question=f"You are about to delete the account of {account['name']} ({account['email']}).",
        consequences=[
            "Its name, email address, phone number, address and photo are erased for good.",
            "It is logged out everywhere and can never log in again; the address can sign up afresh.",
            "Its listings, orders and history are kept under the account’s number, so the records stay consistent.",
        ],
        button="Delete the account",
        cancel=url_for("admin.user", user_id=user_id),
    )


@bp.get("/audit")
@role_required("admin")
def audit_log() -> str:
    """Account events newest first, optionally of one action."""
    action = request.args.get("action", "").strip()[:60] or None
    before = request.args.get("before", "")
    before_id = parse_id(before, "before") if before else None
    rows = db.all("audit.page", action=action, subject_id=None, before_id=before_id, limit=AUDIT_PAGE + 1)
    older = rows[AUDIT_PAGE - 1]["id"] if len(rows) > AUDIT_PAGE else None
    return render_template("admin/audit.html", events=rows[:AUDIT_PAGE], action=action or "", older=older)


@bp.get("/mail")
@role_required("admin")
def mail() -> str:
    """The outbox newest first, by recipient address (exact or prefix), status and kind."""
    address = request.args.get("to", "").strip() or None
    status = request.args.get("status") or None
    kind = request.args.get("kind", "").strip() or None
    rows, next_cursor = outbox.page(address, status, kind, request.args.get("cursor"), actor=Actor.from_request())
    return render_template(
        "admin/mail.html",
        messages=rows,
        to=address or "",
        status=status,
        kind=kind or "",
        statuses=outbox.STATUSES,
        next_cursor=next_cursor,
    )


@bp.get("/mail/<int:outbox_id>")
@role_required("admin")
def mail_message(outbox_id: int) -> str:
    """One message: headers, subject, when queued and sent, attempts, last error, job and the text body."""
    return render_template("admin/mail_message.html", m=outbox.message(outbox_id, actor=Actor.from_request()))


# The HTML part is the sender's own markup with inline styles: shown in a sandboxed frame of this site only, with no
# script, form, plugin or request other than its images.
MAIL_PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox; frame-ancestors 'self'"
)


@bp.get("/mail/<int:outbox_id>/html")
@role_required("admin")
def mail_html(outbox_id: int) -> Response:
    """The HTML part of a message, for the preview frame on its page."""
    response = Response(outbox.html_part(outbox_id, actor=Actor.from_request()), mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAIL_PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/moderation")
@role_required("admin")
def moderation() -> str:
    """Listings waiting for review, oldest first, then changes of live listings (a diff per field, new photos), then
    open reports (a reported conversation's last messages shown inline, which the audit log records)."""
    actor = Actor.from_request()
    return render_template(
        "admin/moderation.html",
        reports=reports.queue(actor=actor),
        reasons=reports.REASONS,
        cars=workflow.moderation_queue(actor=actor),
        revisions=workflow.revision_queue(actor=actor),
        unmapped=makes.unmapped(actor=actor),
        bodies=BODIES,
        this_year=date.today().year,
    )


@bp.post("/moderation/<int:car_id>/<any(approve, reject):decision>")
@role_required("admin")
def decide(car_id: int, decision: str) -> Response:
    """Approve a pending listing, or reject it with a remark the seller sees."""
    try:
        row = workflow.decide(car_id, decision, request.form.get("remark"), actor=Actor.from_request())
    except Conflict as exc:  # its model is not in the catalogue yet
        flash(exc.message, "error")
        return redirect(url_for("admin.moderation", _anchor="catalogue"), code=303)
    flash(f"“{row['title']}” is {'live' if decision == 'approve' else 'sent back to the seller'}.", "success")
    return redirect(url_for("admin.moderation"), code=303)


@bp.post("/catalogue/cars/<int:car_id>/map")
@role_required("admin")
def map_car(car_id: int) -> Response:
    """Give a car whose model the seller typed ("other model") one of its make's catalogue models (audited)."""
    try:
        car = makes.map_car(car_id, parse_id(request.form.get("model_id"), "model_id"), actor=Actor.from_request())
        flash(f"“{car['title']}” is now a {car['make']} {car['model']}.", "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.moderation", _anchor="catalogue"), code=303)


@bp.post("/catalogue/makes/<int:make_id>/models")
@role_required("admin")
def add_model(make_id: int) -> Response:
    """Add a model to the catalogue (audited); with car_id, map that car to it at once."""
    actor = Actor.from_request()
    form = request.form
    try:
        year_from = _year(form.get("year_from"), "year_from", "The first year")
        year_to = _year(form.get("year_to"), "year_to", "The last year") if form.get("year_to", "").strip() else None
        model_id = makes.add_model(
            make_id, form.get("name", ""), form.getlist("bodies"), year_from, year_to, actor=actor
        )
        flash(f"“{' '.join(form.get('name', '').split())}” is in the catalogue.", "success")
        if form.get("car_id"):
            car = makes.map_car(parse_id(form.get("car_id"), "car_id"), model_id, actor=actor)
            flash(f"“{car['title']}” is now a {car['make']} {car['model']}.", "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.moderation", _anchor="catalogue"), code=303)


def _year(raw: str | None, field: str, label: str) -> int:
    value = (raw or "").strip()
    if not (value.isascii() and value.isdigit() and len(value) == 4):
        raise Invalid(f"{label} must be a year such as 2020.", field=field)
    return int(value)


@bp.post("/moderation/revisions/<int:revision_id>/<any(approve, reject):decision>")
@role_required("admin")
def decide_revision(revision_id: int, decision: str) -> Response:
    """Approve a live listing's changes at the version shown (they go live at once), or reject them with a remark."""
    version = request.form.get("version", "")
    if not (version.isascii() and version.isdigit() and int(version) < 2**31):
        raise Invalid("version must be the revision's version number shown in the queue.", field="version")
    car = workflow.decide_revision(
        revision_id, decision, int(version), request.form.get("remark"), actor=Actor.from_request()
    )
    flash(
        f"The changes to “{car['title']}” are {'live' if decision == 'approve' else 'sent back to the seller'}.",
        "success",
    )
    return redirect(url_for("admin.moderation"), code=303)


@bp.post("/reports/<int:report_id>/<any(resolve, dismiss):decision>")
@role_required("admin")
def decide_report(report_id: int, decision: str) -> Response:
    """Resolve (acted on it: the reporter is told) or dismiss an open report, with an optional note (audited)."""
    try:
        row = reports.decide(report_id, decision, request.form.get("note"), actor=Actor.from_request())
    except NotFound as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.moderation", _anchor="reports"), code=303)
    flash(f"The report on “{row['car_title']}” is {reports.DECISIONS[decision]}.", "success")
    return redirect(url_for("admin.moderation", _anchor="reports"), code=303)


@bp.get("/reviews")
@role_required("admin")
def reviews() -> str:
    """The newest reviews of sellers (hidden ones too, with why), 50 at a time, each visible one with a Hide form."""
    before = request.args.get("before")
    rows, next_before = seller_reviews.recent(
        parse_id(before, "before") if before else None, actor=Actor.from_request()
    )
    return render_template(
        "admin/reviews.html", reviews=rows, next_before=next_before, reason_max=seller_reviews.REASON_MAX
    )


@bp.post("/reviews/<int:review_id>/hide")
@role_required("admin")
def hide_review(review_id: int) -> Response:
    """Hide an abusive review with a reason (required; audited, and the author is told why)."""
    try:
        seller_reviews.hide(review_id, request.form.get("reason"), actor=Actor.from_request())
    except (Invalid, NotFound) as exc:
        flash(exc.message, "error")
    else:
        flash("The review is hidden; its author is told why.", "success")
    return redirect(url_for("admin.reviews", _anchor=f"review-{review_id}"), code=303)


@bp.post("/cars/<int:car_id>/<any(feature, unfeature):action>")
@role_required("admin")
def feature(car_id: int, action: str) -> Response:
    """Show a car among the featured cars on the home page, or stop."""
    workflow.set_featured(car_id, action == "feature", actor=Actor.from_request())
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("cars.show", car_id=car_id),
        code=303,
    )


@bp.get("/jobs")
@role_required("admin")
def jobs_page() -> str:
    """The job queue: counts by queue and status, the oldest wait, failed jobs with their errors, the workers."""
    from ..jobs import QUEUES, operations

    return render_template("admin/jobs.html", all_queues=QUEUES, **operations.overview(actor=Actor.from_request()))


@bp.post("/jobs/<int:job_id>/<any(retry, cancel):action>")
@role_required("admin")
def job_action(job_id: int, action: str) -> Response:
    """Retry a failed job or cancel one that has not started (audited)."""
    from ..jobs import operations

    if action == "retry":
        operations.retry(job_id, actor=Actor.from_request())
        flash(f"Job {job_id} will run again.", "success")
    else:
        operations.cancel(job_id, actor=Actor.from_request())
        flash(f"Job {job_id} is cancelled.", "success")
    return redirect(url_for("admin.jobs_page"), code=303)


@bp.post("/jobs/cancel")
@role_required("admin")
def job_cancel_by_id() -> Response:
    """Cancel a waiting job by its number (the page lists no waiting jobs: there may be thousands)."""
    from ..jobs import operations

    job_id = parse_id(request.form.get("job_id"), "job_id")
    operations.cancel(job_id, actor=Actor.from_request())
    flash(f"Job {job_id} is cancelled.", "success")
    return redirect(url_for("admin.jobs_page"), code=303)
