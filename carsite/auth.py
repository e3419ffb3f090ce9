"""Sign up, confirm the email, log in and out, forgotten passwords."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import confirm_login, current_user
from werkzeug.wrappers import Response

from . import db, mail, security
from .access import audit, end_session, login_required, public, start_session
from .forms import ForgotForm, LoginForm, ReauthenticateForm, RegisterForm, ResetForm
from .ratelimit import TOO_MANY, account_key, limiter

bp = Blueprint("auth", __name__)


def session_lifetime(remember: bool) -> timedelta:
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if remember else config["PERMANENT_SESSION_LIFETIME"]


def form_page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a form page; 400 when a submitted form has errors, so clients see the request was refused."""
    form = context.get("form")
    if status == 200 and request.method == "POST" and form is not None and form.errors:
        status = 400
    return render_template(template, **context), status


def link(endpoint: str, **values: Any) -> str:
    """An absolute link for an email, built from BASE_URL only (never from the request's Host header)."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def send_verification(user_id: int, name: str, email: str) -> None:
    token, digest = security.new_token()
    db.execute("tokens.spend_user_tokens", user_id=user_id, purpose="verify_email")
    hours = int(current_app.config["VERIFY_EMAIL_HOURS"])
    db.scalar(
        "tokens.create_token", user_id=user_id, purpose="verify_email", token_hash=digest, lifetime_seconds=hours * 3600
    )
    mail.send(
        email,
        f"Confirm your email for {current_app.config['SITE_NAME']}",
        render_template("mail/verify.txt", name=name, url=link("auth.confirm", token=token), hours=hours),
    )


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"], error_message=TOO_MANY)
def register() -> Response | tuple[str, int]:
    """Create an account, send the confirmation link and log the new user in."""
    if current_user.is_authenticated:
        return redirect(url_for("account.show"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            with db.transaction():
                user_id = db.scalar(
                    "users.insert_user",
                    name=form.name.data,
                    email=form.email.data,
                    password_hash=security.hash_password(form.password.data),
                    role="user",
                    phone=form.phone.data or None,
                    address=None,
                )
                audit("account.register", subject_id=user_id, actor_id=user_id)
        except db.UniqueViolation as exc:
            if exc.constraint != "users_email_key":
                raise
            form.email.errors.append("An account with this email already exists. Log in, or reset your password.")
            return form_page("auth/register.html", 409, form=form)
        try:
            send_verification(user_id, form.name.data, form.email.data)
            flash("Welcome! We sent you a link to confirm your email address.", "success")
        except mail.MailError:
            flash(
                "Your account is ready, but the confirmation email could not be sent. Send it again from your "
                "account page.",
                "error",
            )
        start_session(user_id, remember=False, lifetime=session_lifetime(False))
        return redirect(url_for("account.show"), code=303)
    return form_page("auth/register.html", form=form)


@bp.get("/confirm/<token>")
@public
def confirm(token: str) -> Response:
    """Confirm an email address with the emailed single-use link."""
    row = db.optional("tokens.use_token", token_hash=security.token_hash(token), purpose="verify_email")
    if row is None:
        abort(
            400,
            "This confirmation link is invalid, expired or already used. Log in and send a new one from "
            "your account page.",
        )
    db.execute("users.mark_email_verified", user_id=row["user_id"])
    audit("account.email_verified", subject_id=row["user_id"], actor_id=row["user_id"])
    flash("Thank you: your email address is confirmed.", "success")
    return redirect(url_for("account.show" if current_user.is_authenticated else "auth.login"), code=303)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("5 per minute;100 per hour", methods=["POST"], error_message=TOO_MANY)
@limiter.limit("5 per minute;50 per hour", key_func=account_key, methods=["POST"], error_message=TOO_MANY)
def login() -> Response | tuple[str, int]:
    """Log in with email and password; the answer is the same whether or not the email has an account."""
    next_url = security.safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        account = db.optional("users.login_candidate", email=form.email.data)
        if account is None:
            security.burn_time(form.password.data)
        if account is None or not security.check_password(account["password_hash"], form.password.data):
            audit("login.failed", subject_id=account["id"] if account else None, actor_id=None)
            form.password.errors.append("The email or password is not correct.")
            return form_page("auth/login.html", 401, form=form)
        if not account["is_active"]:
            audit("login.refused_inactive", subject_id=account["id"], actor_id=None)
            form.email.errors.append("This account has been deactivated. Contact us if you think this is a mistake.")
            return form_page("auth/login.html", 403, form=form)
        if security.needs_rehash(account["password_hash"]):
            db.execute(
                "users.upgrade_password_hash",
                user_id=account["id"],
                old_hash=account["password_hash"],
                new_hash=security.hash_password(form.password.data),
            )
        remember = bool(form.remember.data)
        start_session(account["id"], remember=remember, lifetime=session_lifetime(remember))
        db.execute("users.record_login", user_id=account["id"])
        audit("login", subject_id=account["id"], remember=remember)
        return redirect(next_url or url_for("main.index"), code=303)
    return form_page("auth/login.html", form=form)


@bp.route("/reauthenticate", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per minute", methods=["POST"], error_message=TOO_MANY)
def reauthenticate() -> Response | tuple[str, int]:
    """Ask for the password again before a sensitive action when the session came from a remember-me cookie."""
    next_url = security.safe_next(request.args.get("next"))
    form = ReauthenticateForm()
    if form.validate_on_submit():
        account = db.one("users.user_by_id", user_id=current_user.id)
        if security.check_password(account["password_hash"], form.password.data):
            confirm_login()
            audit("login.reauthenticated", subject_id=current_user.id)
            return redirect(next_url or url_for("account.show"), code=303)
        audit("login.failed", subject_id=current_user.id, reauthenticate=True)
        form.password.errors.append("The password is not correct.")
        return form_page("auth/reauthenticate.html", 401, form=form)
    return form_page("auth/reauthenticate.html", form=form)


@bp.post("/logout")
@public
def logout() -> Response:
    """End this session on the server, so a copied cookie stops working too."""
    if current_user.is_authenticated:
        audit("logout", subject_id=current_user.id)
    end_session()
    flash("You are logged out.", "success")
    return redirect(url_for("main.index"), code=303)


@bp.route("/forgot", methods=["GET", "POST"])
@public
@limiter.limit("5 per minute;30 per hour", methods=["POST"], error_message=TOO_MANY)
@limiter.limit("3 per hour", key_func=account_key, methods=["POST"], error_message=TOO_MANY)
def forgot() -> Response | tuple[str, int]:
    """Email a reset link; the page never says whether the address has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        account = db.optional("users.login_candidate", email=form.email.data)
        if account is not None and account["is_active"]:
            token, digest = security.new_token()
            minutes = int(current_app.config["RESET_PASSWORD_MINUTES"])
            db.scalar(
                "tokens.create_token",
                user_id=account["id"],
                purpose="reset_password",
                token_hash=digest,
                lifetime_seconds=minutes * 60,
            )
            audit("password.reset_requested", subject_id=account["id"], actor_id=None)
            try:
                mail.send(
                    account["email"],
                    f"Reset your {current_app.config['SITE_NAME']} password",
                    render_template(
                        "mail/reset.txt", name=account["name"], minutes=minutes, url=link("auth.reset", token=token)
                    ),
                )
            except mail.MailError:
                pass  # logged by mail.send; the page must look the same either way
        flash("If an account exists for that address, we have sent it a link to choose a new password.", "info")
        return redirect(url_for("auth.login"), code=303)
    return form_page("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"], error_message=TOO_MANY)
def reset(token: str) -> Response | tuple[str, int]:
    """Choose a new password with an emailed single-use link; every session of the account ends."""
    digest = security.token_hash(token)
    if db.optional("tokens.peek_token", token_hash=digest, purpose="reset_password") is None:
        abort(400, "This password reset link is invalid, expired or already used. Ask for a new one.")
    form = ResetForm()
    if form.validate_on_submit():
        with db.transaction():
            row = db.optional("tokens.use_token", token_hash=digest, purpose="reset_password")
            if row is None:
                abort(400, "This password reset link was used a moment ago. Ask for a new one.")
            user_id = row["user_id"]
            db.execute(
                "users.change_password", user_id=user_id, password_hash=security.hash_password(form.password.data)
            )
            db.execute("tokens.spend_user_tokens", user_id=user_id, purpose="reset_password")
            db.execute("users.mark_email_verified", user_id=user_id)  # the link proved the address
            db.execute("sessions.revoke_user_sessions", user_id=user_id)
            audit("password.reset", subject_id=user_id, actor_id=user_id)
        end_session()
        flash("Your password is changed and every session is logged out. Log in with the new password.", "success")
        return redirect(url_for("auth.login"), code=303)
    return form_page("auth/reset.html", form=form, token=token)
