"""HTTP for accounts: sign up, confirm, log in and out, forgotten passwords (blueprint ``auth``) and the account
pages (blueprint ``account``). Parse → call the use case with the request's Actor → respond."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import confirm_login, current_user
from werkzeug.wrappers import Response

from .. import images
from ..cars import favorites, lists
from ..domain.actor import Actor
from ..domain.errors import DomainError
from ..web import recent, session_ids
from ..web.access import end_session, fresh_login_required, login_required, public, start_session, verified_required
from ..web.forms import form_page, safe_next
from ..web.inputs import is_id
from ..web.ratelimit import LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS, TOO_MANY, account_key, limiter
from . import login as login_case
from . import profile, recovery, signup
from .forms import (
    AvatarForm,
    ChangePasswordForm,
    ForgotForm,
    LoginForm,
    ProfileForm,
    ReauthenticateForm,
    RegisterForm,
    ResetForm,
)

bp = Blueprint("auth", __name__)
account_bp = Blueprint("account", __name__)


def session_lifetime(remember: bool) -> timedelta:
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if remember else config["PERMANENT_SESSION_LIFETIME"]


def refused_on_form(form, exc: DomainError, template: str, **context) -> tuple[str, int]:
    """Show a use case's refusal next to the field it names, with its status."""
    getattr(form, exc.field or "", form.csrf_token).errors.append(exc.message)
    return form_page(template, exc.status, form=form, **context)


def visitor_state() -> tuple[lists.VisitorLists, int | None]:
    """What the visitor gathered in this session (logging in starts a new one): their recently viewed and compared
    cars, and the car they asked to save: the ♡ they clicked sends them here with ``save=<car id>`` (a link, so
    public pages start no session), and the login or sign-up form they then submit, which names that car and
    carries a CSRF token, is their confirmation."""
    asked = request.args.get("save", "")
    pending = int(asked) if asked.isascii() and asked.isdigit() else session.get(session_ids.SAVE_AFTER_LOGIN)
    carried = lists.VisitorLists(recent=recent.ids(), compare=session_ids.ids("compare"))
    return carried, pending if is_id(pending) else None


def adopt_visitor_state(carried: lists.VisitorLists, pending: int | None) -> None:
    """After logging in: the visitor's lists join the account's, and the car they asked to save is saved."""
    actor = Actor.from_request()
    left_out = lists.adopt(carried, actor=actor)
    recent.forget()
    if left_out:
        flash(
            "Your comparison already holds four cars, so the ones you picked before logging in were not added.", "info"
        )
    if pending is not None:
        try:
            favorites.save(pending, actor=actor)
            flash("Saved to your favourites.", "success")
        except DomainError:
            flash("That car is no longer listed, so it could not be saved.", "info")


# -- signing up and in ---------------------------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"], error_message=TOO_MANY)
def register() -> Response | tuple[str, int]:
    """Create an account and send the confirmation link (which logs the person in). A taken address gets the same
    answer, and its owner a note instead, so the form never says whether an address has an account."""
    if current_user.is_authenticated:
        return redirect(url_for("account.show"))
    form = RegisterForm()
    if form.validate_on_submit():
        going = safe_next(request.args.get("next"))
        if going:  # the confirmation link, opened in this browser, goes on there
            session[session_ids.AFTER_SIGNUP] = going
        saving = visitor_state()[1]
        if saving is not None:  # saved when the confirmation link logs them in (adopt_visitor_state)
            session[session_ids.SAVE_AFTER_LOGIN] = saving
        signup.register(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            phone=form.phone.data,
            actor=Actor.from_request(),
        )
        return redirect(url_for("auth.registered"), code=303)
    return form_page("auth/register.html", form=form)


@bp.get("/register/sent")
@public
def registered() -> str:
    """What comes after signing up, the same whatever was typed: look for the confirmation mail."""
    return render_template("auth/registered.html")


@bp.get("/confirm/<token>")
@public
def confirm(token: str) -> Response:
    """Confirm an email address with the emailed single-use link, and log in with it when nobody is logged in."""
    account = signup.confirm_email(token, actor=Actor.from_request())
    going = safe_next(session.get(session_ids.AFTER_SIGNUP))
    if not current_user.is_authenticated and account["is_active"] and account["deleted_at"] is None:
        carried = visitor_state()
        start_session(account["id"], remember=False, lifetime=session_lifetime(False))
        adopt_visitor_state(*carried)
    session.pop(session_ids.AFTER_SIGNUP, None)
    flash("Thank you: your email address is confirmed.", "success")
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=going), code=303)
    return redirect(going or url_for("account.show"), code=303)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"], error_message=TOO_MANY)
@limiter.limit(LOGIN_PER_ACCOUNT, key_func=account_key, methods=["POST"], error_message=TOO_MANY)
def login() -> Response | tuple[str, int]:
    """Log in with email and password; the answer is the same whether or not the email has an account."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("site.index"))
    form = LoginForm()
    if form.validate_on_submit():
        actor = Actor.from_request()
        try:
            account = login_case.authenticate(form.email.data, form.password.data, actor=actor)
        except DomainError as exc:
            return refused_on_form(form, exc, "auth/login.html")
        remember = bool(form.remember.data)
        carried = visitor_state()
        start_session(account["id"], remember=remember, lifetime=session_lifetime(remember))
        login_case.logged_in(account, remember=remember, actor=actor)
        adopt_visitor_state(*carried)
        return redirect(next_url or url_for("site.index"), code=303)
    return form_page("auth/login.html", form=form)


@bp.route("/reauthenticate", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per minute", methods=["POST"], error_message=TOO_MANY)
def reauthenticate() -> Response | tuple[str, int]:
    """Ask for the password again before a sensitive action when the session came from a remember-me cookie."""
    next_url = safe_next(request.args.get("next"))
    form = ReauthenticateForm()
    if form.validate_on_submit():
        try:
            login_case.reauthenticate(form.password.data, actor=Actor.from_request())
        except DomainError as exc:
            return refused_on_form(form, exc, "auth/reauthenticate.html")
        confirm_login()
        return redirect(next_url or url_for("account.show"), code=303)
    return form_page("auth/reauthenticate.html", form=form)


@bp.post("/logout")
@public
def logout() -> Response:
    """End this session on the server, so a copied cookie stops working too."""
    login_case.logged_out(actor=Actor.from_request())
    end_session()
    flash("You are logged out.", "success")
    return redirect(url_for("site.index"), code=303)


@bp.route("/forgot", methods=["GET", "POST"])
@public
@limiter.limit("5 per minute;30 per hour", methods=["POST"], error_message=TOO_MANY)
@limiter.limit("3 per hour", key_func=account_key, methods=["POST"], error_message=TOO_MANY)
def forgot() -> Response | tuple[str, int]:
    """Email a reset link; the page never says whether the address has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        recovery.request_reset(form.email.data, actor=Actor.from_request())
        flash("We have sent a message to that address: open the link in it to choose a new password.", "info")
        return redirect(url_for("auth.login"), code=303)
    return form_page("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"], error_message=TOO_MANY)
def reset(token: str) -> Response | tuple[str, int]:
    """Choose a new password with an emailed single-use link; every session of the account ends."""
    recovery.check_reset_token(token)
    form = ResetForm()
    if form.validate_on_submit():
        recovery.reset_password(token, form.password.data, actor=Actor.from_request())
        end_session()
        flash("Your password is changed and every session is logged out. Log in with the new password.", "success")
        return redirect(url_for("auth.login"), code=303)
    return form_page("auth/reset.html", form=form, token=token)


# -- the account pages ---------------------------------------------------------------------------------------------


def account_page(form: ProfileForm | None = None, avatar_form: AvatarForm | None = None, status: int = 200):
    actor = Actor.from_request()
    row = profile.account(actor)
    return form_page(
        "account/show.html",
        status,
        form=form or ProfileForm(data={**row, "phone_public": profile.phone_public(actor)}),
        avatar_form=avatar_form or AvatarForm(),
        account=row,
        sessions=profile.live_sessions(actor),
    )


@account_bp.route("/account", methods=["GET", "POST"])
@login_required
def show() -> Response | tuple[str, int]:
    """The profile page; POST saves name, phone and address."""
    if request.method == "GET":
        return account_page()
    form = ProfileForm()
    if form.validate_on_submit():
        profile.update(
            name=form.name.data,
            phone=form.phone.data,
            address=form.address.data,
            phone_public=bool(form.phone_public.data) if current_user.is_seller else None,
            actor=Actor.from_request(),
        )
        flash("Your profile is saved.", "success")
        return redirect(url_for("account.show"), code=303)
    return account_page(form=form)


@account_bp.post("/account/confirm/resend")
@login_required
@limiter.limit("3 per hour", key_func=lambda: f"resend:{current_user.id}", error_message=TOO_MANY)
def resend_confirmation() -> Response:
    """Send a new confirmation link (older ones stop working)."""
    if current_user.email_verified:
        flash("Your email address is already confirmed.", "info")
    else:
        signup.send_verification(current_user.id, current_user.name, current_user.email)
        flash("We sent a new confirmation link. It replaces the earlier ones.", "success")
    return redirect(url_for("account.show"), code=303)


@account_bp.post("/account/avatar")
@login_required
def upload_avatar() -> Response | tuple[str, int]:
    """Replace the avatar: 413 over the size limit; anything that does not decode as an image is refused."""
    limit = int(current_app.config["AVATAR_MAX_BYTES"])
    too_large = f"The photo is too large; upload one under {limit // (1024 * 1024)} MB."
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        abort(413, too_large)
    form = AvatarForm()
    if form.validate_on_submit():
        data = form.avatar.data.read(limit + 1)
        if len(data) > limit:
            abort(413, too_large)
        try:
            profile.set_avatar(data, actor=Actor.from_request())
        except images.ImageRejected as exc:
            form.avatar.errors.append(str(exc))
            return account_page(avatar_form=form, status=400)
        flash("Your photo is updated.", "success")
        return redirect(url_for("account.show"), code=303)
    return account_page(avatar_form=form, status=400)


@account_bp.post("/account/avatar/remove")
@login_required
def remove_avatar() -> Response:
    """Remove the avatar."""
    profile.set_avatar(None, actor=Actor.from_request())
    flash("Your photo is removed.", "success")
    return redirect(url_for("account.show"), code=303)


@account_bp.get("/media/avatars/<name>")
@public
def avatar(name: str) -> Response:
    """An avatar file: server-made names only, never rendered as HTML, cached for a year (names never change)."""
    if not images.NAME.fullmatch(name):
        abort(404)
    return images.serve("avatars", name, "avatar.webp")


@account_bp.route("/account/password", methods=["GET", "POST"])
@fresh_login_required
@limiter.limit("5 per minute", methods=["POST"], error_message=TOO_MANY)
def password() -> Response | tuple[str, int]:
    """Change the password (needs a fresh login); every other session ends."""
    form = ChangePasswordForm()
    form.account_email = current_user.email
    if form.validate_on_submit():
        try:
            profile.change_password(form.current.data, form.password.data, actor=Actor.from_request())
        except DomainError as exc:
            return refused_on_form(form, exc, "account/password.html")
        flash("Your password is changed. Every other device has been logged out.", "success")
        return redirect(url_for("account.show"), code=303)
    return form_page("account/password.html", form=form)


@account_bp.post("/account/sessions/logout-others")
@login_required
def logout_others() -> Response:
    """Log out every other device and browser."""
    ended = profile.logout_others(actor=Actor.from_request())
    flash(f"Logged out of {ended} other session(s)." if ended else "There were no other sessions.", "success")
    return redirect(url_for("account.show"), code=303)


@account_bp.get("/account/become-seller")
@login_required
def start_selling() -> str | Response:
    """What selling means and the one button that turns the account into a seller account (a buyer opening /sell
    lands here); a seller goes straight on."""
    next_url = safe_next(request.args.get("next")) or url_for("selling.mine")
    if current_user.is_seller:
        return redirect(next_url)
    return render_template("account/become_seller.html", next_url=next_url)


@account_bp.post("/account/become-seller")
@verified_required
def become_seller() -> Response:
    """Let a confirmed user list cars for sale (audited), then go on to ``next`` (the selling pages)."""
    if profile.become_seller(actor=Actor.from_request()):
        flash("Your account is now a seller account: you can list cars for sale.", "success")
    else:
        flash("Your account can already sell cars.", "info")
    return redirect(safe_next(request.form.get("next")) or url_for("account.show"), code=303)
