"""The account pages: profile, avatar, email confirmation, password, sessions, becoming a seller."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from . import db, images, mail, security
from .access import audit, fresh_login_required, login_required, public, verified_required
from .auth import form_page, send_verification
from .forms import AvatarForm, ChangePasswordForm, ProfileForm
from .ratelimit import TOO_MANY, limiter

bp = Blueprint("account", __name__)
AVATAR_SIZE = 256


def me() -> dict:
    return db.one("users.user_by_id", user_id=current_user.id)


def page(form: ProfileForm | None = None, avatar_form: AvatarForm | None = None, status: int = 200):
    account = me()
    form = form or ProfileForm(data=account)
    return form_page(
        "account/show.html",
        status,
        form=form,
        avatar_form=avatar_form or AvatarForm(),
        account=account,
        sessions=db.all("sessions.live_sessions", user_id=current_user.id),
    )


@bp.route("/account", methods=["GET", "POST"])
@login_required
def show() -> Response | tuple[str, int]:
    """The profile page; POST saves name, phone and address."""
    form = ProfileForm()
    if request.method == "GET":
        return page()
    if form.validate_on_submit():
        db.execute(
            "users.update_profile",
            user_id=current_user.id,
            name=form.name.data,
            phone=form.phone.data or None,
            address=form.address.data or None,
        )
        flash("Your profile is saved.", "success")
        return redirect(url_for("account.show"), code=303)
    return page(form=form)


@bp.post("/account/confirm/resend")
@login_required
@limiter.limit("3 per hour", key_func=lambda: f"resend:{current_user.id}", error_message=TOO_MANY)
def resend_confirmation() -> Response:
    """Send a new confirmation link (older ones stop working)."""
    if current_user.email_verified:
        flash("Your email address is already confirmed.", "info")
    else:
        try:
            send_verification(current_user.id, current_user.name, current_user.email)
            flash("We sent a new confirmation link. It replaces the earlier ones.", "success")
        except mail.MailError:
            flash("The email could not be sent just now. Please try again in a few minutes.", "error")
    return redirect(url_for("account.show"), code=303)


@bp.post("/account/avatar")
@login_required
def upload_avatar() -> Response | tuple[str, int]:
    """Replace the avatar: 413 over the size limit; anything that does not decode as an image is refused."""
    limit = int(current_app.config["AVATAR_MAX_BYTES"])
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        abort(413, f"The photo is too large; upload one under {limit // (1024 * 1024)} MB.")
    form = AvatarForm()
    if form.validate_on_submit():
        data = form.avatar.data.read(limit + 1)
        if len(data) > limit:
            abort(413, f"The photo is too large; upload one under {limit // (1024 * 1024)} MB.")
        try:
            name = images.save_square(data, "avatars", AVATAR_SIZE)
        except images.ImageRejected as exc:
            form.avatar.errors.append(str(exc))
            return page(avatar_form=form, status=400)
        previous = db.one("users.set_avatar", user_id=current_user.id, avatar=name)["previous"]
        images.remove("avatars", previous)
        flash("Your photo is updated.", "success")
        return redirect(url_for("account.show"), code=303)
    return page(avatar_form=form, status=400)


@bp.post("/account/avatar/remove")
@login_required
def remove_avatar() -> Response:
    """Remove the avatar."""
    previous = db.one("users.set_avatar", user_id=current_user.id, avatar=None)["previous"]
    images.remove("avatars", previous)
    flash("Your photo is removed.", "success")
    return redirect(url_for("account.show"), code=303)


@bp.get("/media/avatars/<name>")
@public
def avatar(name: str) -> Response:
    """An avatar file: server-made names only, never rendered as HTML, cached for a year (names never change)."""
    if not images.NAME.fullmatch(name):
        abort(404)
    return images.serve("avatars", name, "avatar.webp")


@bp.route("/account/password", methods=["GET", "POST"])
@fresh_login_required
@limiter.limit("5 per minute", methods=["POST"], error_message=TOO_MANY)
def password() -> Response | tuple[str, int]:
    """Change the password (needs a fresh login); every other session ends."""
    form = ChangePasswordForm()
    form.account_email = current_user.email
    if form.validate_on_submit():
        account = me()
        if not security.check_password(account["password_hash"], form.current.data):
            audit("password.change_failed", subject_id=current_user.id)
            form.current.errors.append("The current password is not correct.")
            return form_page("account/password.html", 401, form=form)
        with db.transaction():
            db.execute(
                "users.change_password",
                user_id=current_user.id,
                password_hash=security.hash_password(form.password.data),
            )
            ended = db.execute(
                "sessions.revoke_other_sessions", user_id=current_user.id, keep_session_id=current_user.session_id
            )
            db.execute("tokens.spend_user_tokens", user_id=current_user.id, purpose="reset_password")
            audit("password.change", subject_id=current_user.id, other_sessions_ended=ended)
        flash("Your password is changed. Every other device has been logged out.", "success")
        return redirect(url_for("account.show"), code=303)
    return form_page("account/password.html", form=form)


@bp.post("/account/sessions/logout-others")
@login_required
def logout_others() -> Response:
    """Log out every other device and browser."""
    ended = db.execute(
        "sessions.revoke_other_sessions", user_id=current_user.id, keep_session_id=current_user.session_id
    )
    audit("logout.others", subject_id=current_user.id, sessions_ended=ended)
    flash(f"Logged out of {ended} other session(s)." if ended else "There were no other sessions.", "success")
    return redirect(url_for("account.show"), code=303)


@bp.post("/account/become-seller")
@verified_required
def become_seller() -> Response:
    """Let a confirmed user list cars for sale."""
    if db.optional("users.become_seller", user_id=current_user.id) is None:
        flash("Your account can already sell cars.", "info")
    else:
        audit("role.change", subject_id=current_user.id, old="user", new="seller", self_service=True)
        flash("You can now list cars for sale.", "success")
    return redirect(url_for("account.show"), code=303)
