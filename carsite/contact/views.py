"""HTTP for contacting a seller (blueprint ``contact``): the question form, the visitor's confirmation link and the
phone number's reveal. Parse → call the use case with the request's Actor → respond.

The car page itself is HTTP-cached for visitors and starts no session (carsite.web.caching): it links here, and
this page, with its own form and CSRF token, is where a visitor writes. A logged-in buyer writes on the car page
and posts here as well. Whatever refuses the message (bad input, too many messages) answers with this form again,
the typed text in it and the reason next to it.
"""

from __future__ import annotations

import time
from typing import Any

import flask
from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..cars import catalogue
from ..domain.actor import Actor
from ..domain.errors import DomainError, Invalid
from ..messages import conversations
from ..web.access import public, start_session
from ..web.errors import error_response, wants_json
from ..web.ratelimit import account_key, limiter
from . import asking
from . import phone as phones
from .forms import QUICK_PROMPTS, AskForm, VisitorForm

bp = Blueprint("contact", __name__)

# Per client address, per sender (the account, or a visitor's email address) and per car: one address cannot flood
# sellers, one person cannot spread messages over many addresses, and one car's seller is not flooded from many.
PER_ADDRESS = "5 per minute;20 per hour"
PER_SENDER = "10 per hour"
PER_CAR = "30 per hour"
PHONE_PER_ADDRESS = "10 per hour"
TOO_MANY = "You have sent several messages in a short time. Please wait a few minutes, then send this one again."
PHONE_TOO_MANY = "You have looked up many phone numbers in a short time. Please wait a while and try again."
SENT_TO = "contact_sent_to"
NOINDEX = "noindex, nofollow"


def sender_key() -> str:
    """The sender a message limit counts for: the logged-in account, or the email address a visitor typed."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return account_key()


def car_key() -> str:
    return f"car:{(request.view_args or {}).get('car_id')}"


def utm_of_visit() -> dict[str, str]:
    """The utm_* parameters of the visit: in the link from the car page (GET) or the form's hidden fields (POST)."""
    return conversations.clean_utm(request.form if request.method == "POST" else request.args)


def new_form() -> AskForm:
    return AskForm() if current_user.is_authenticated else VisitorForm()


def contact_page(form: AskForm, car: dict[str, Any], status: int = 200, problem: str | None = None) -> flask.Response:
    """The contact form of a car: a visitor's (name, email, phone) or a logged-in buyer's (the message only)."""
    page = render_template(
        "contact/ask.html",
        form=form,
        car=car,
        utm=utm_of_visit(),
        prompts=QUICK_PROMPTS,
        problem=problem,
        visitor=isinstance(form, VisitorForm),
    )
    return make_response(page, status)


def too_many(limit: RequestLimit) -> flask.Response:
    """Over a limit: the form again, with what was typed and the reason (Flask-Limiter's on_breach)."""
    car = catalogue.public_car((request.view_args or {}).get("car_id", 0))
    response = contact_page(new_form(), car, 429, TOO_MANY)
    response.headers["Retry-After"] = str(max(1, int(limit.reset_at - time.time())))
    return response


@bp.errorhandler(RateLimitExceeded)
def rate_limited(exc: RateLimitExceeded) -> Response:
    """The answer on_breach made (the form again), else the site's error page or JSON."""
    if isinstance(exc.response, Response):
        return exc.response
    return error_response(429, exc.description or TOO_MANY)  # Flask-Limiter adds Retry-After


@bp.errorhandler(Invalid)
def refused_input(exc: Invalid) -> Response:
    """Input refused before the view ran (carsite.web.inputs: control characters, NUL): the form again, with what was
    typed and the reason next to the field, as for any other bad input."""
    if request.endpoint == "contact.ask" and request.method == "POST":
        try:
            car = catalogue.public_car((request.view_args or {}).get("car_id", 0))
        except DomainError:
            pass
        else:
            form = new_form()
            form.validate()
            field = getattr(form, exc.field or "", None)
            if field is not None and not field.errors:
                field.errors = [exc.message]
            return contact_page(form, car, 400)
    return error_response(exc.status, exc.message, exc.field)


@bp.after_request
def not_for_search_engines(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = NOINDEX
    return response


@bp.route("/cars/<int:car_id>/contact", methods=["GET", "POST"])
@public
@limiter.limit(PER_ADDRESS, methods=["POST"], on_breach=too_many, error_message=TOO_MANY)
@limiter.limit(PER_SENDER, key_func=sender_key, methods=["POST"], on_breach=too_many, error_message=TOO_MANY)
@limiter.limit(PER_CAR, key_func=car_key, methods=["POST"], on_breach=too_many, error_message=TOO_MANY)
def ask(car_id: int) -> Response:
    """Write to the seller of a car. Logged in: the message goes into the conversation at once (303 to it). A
    visitor gives name and email: the message waits for the link we mail them (303 to "check your mail").
    409 for one's own car and for a car no longer for sale; 400 with the form again for bad input."""
    actor = Actor.from_request()
    car = asking.contactable(car_id, actor=actor)
    form = new_form()
    if request.method == "GET":
        if request.args.get("message"):  # a quick prompt picked on the car page
            form.message.data = request.args["message"][: conversations.MAX_LENGTH]
        return contact_page(form, car)
    if not form.validate_on_submit():
        return contact_page(form, car, 400)
    try:
        if isinstance(form, VisitorForm):
            if not form.is_bot():  # a bot that filled the hidden field is told the same, and nothing is kept
                asking.hold(
                    car_id,
                    name=form.name.data,
                    email=form.email.data,
                    phone=form.phone.data,
                    text=form.message.data,
                    utm=utm_of_visit(),
                    actor=actor,
                )
            session[SENT_TO] = form.email.data
            return redirect(url_for("contact.sent", car_id=car_id), code=303)
        conversation_id = asking.ask(car_id, form.message.data, utm=utm_of_visit(), actor=actor)
    except Invalid as exc:
        getattr(form, exc.field or "", form.message).errors.append(exc.message)
        return contact_page(form, car, 400)
    flash("Your message is sent to the seller.", "success")
    return redirect(f"/messages/{conversation_id}", code=303)


@bp.get("/cars/<int:car_id>/contact/sent")
@public
def sent(car_id: int) -> str:
    """What comes after a visitor's message: look for the mail with the link that sends it."""
    return render_template("contact/sent.html", car=catalogue.public_car(car_id), email=session.pop(SENT_TO, None))


@bp.get("/contact/confirm/<token>")
@public
def confirm_page(token: str) -> str:
    """The mailed link's page: the car and one button that sends the held message. Opening the link sends nothing
    (mail scanners open links). 410 for a used or expired link, 404 for an unknown one."""
    return render_template("contact/confirm.html", held=asking.pending(token), token=token)


@bp.post("/contact/confirm/<token>")
@public
def confirm(token: str) -> Response:
    """Deliver a visitor's held message with the mailed single-use link. A new address gets an account and is
    logged in (when nobody is) and goes to the conversation; an address with an account is sent to log in first.
    410 for a used or expired link, 404 for an unknown one."""
    delivered = asking.confirm(token, actor=Actor.from_request())
    target = f"/messages/{delivered.conversation_id}"
    if current_user.is_authenticated and current_user.id == delivered.user_id:
        flash("Your message is sent to the seller.", "success")
        return redirect(target, code=303)
    if delivered.may_log_in and not current_user.is_authenticated:
        start_session(delivered.user_id, remember=False, lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"])
        made = (
            "Your message is sent to the seller, and we made you an account with your address to keep the "
            "conversation in."
            if delivered.account_created
            else "Your message is sent to the seller."
        )
        flash(
            Markup(
                '{} To log in from another device later, choose a password: <a href="{}">set a password</a>.'
            ).format(made, url_for("auth.forgot")),
            "success",
        )
        return redirect(target, code=303)
    flash("Your message is sent to the seller. Log in to read their answer.", "success")
    return redirect(url_for("auth.login", next=target), code=303)


@bp.get("/cars/<int:car_id>/phone")
@public
@limiter.limit(PHONE_PER_ADDRESS, error_message=PHONE_TOO_MANY)
def phone(car_id: int) -> Response:
    """The seller's published phone number (JSON for scripts, else a small page), never cached nor indexed, each
    reveal counted; 404 when the car is not for sale or its seller shows no number."""
    number = phones.reveal(car_id, actor=Actor.from_request())
    tel = phones.tel_uri(number)
    if wants_json():
        response = jsonify({"phone": number, "tel": tel})
    else:
        response = make_response(
            render_template("contact/phone.html", car=catalogue.public_car(car_id), phone=number, tel=tel)
        )
    response.headers["Cache-Control"] = "no-store"
    return response
