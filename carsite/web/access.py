"""Who may see what. Every view declares a rule with one of these decorators; a test fails on any that does not.

flask-login keeps the logged-in user, but its id is a random session token whose hash lives in user_sessions, so
logging out (or a password change, or deactivation) revokes a copied session or remember-me cookie as well.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import flask_login
from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user

from .. import db
from ..accounts import passwords
from ..domain.actor import Actor
from .errors import error_response, wants_json

login_manager = LoginManager()
TOUCH_EVERY = timedelta(minutes=5)


class User(flask_login.UserMixin):
    """The logged-in account, as loaded for this request."""

    def __init__(self, row: dict[str, Any], token: str) -> None:
        self.id = row["id"]
        self.name = row["name"]
        self.email = row["email"]
        self.role = row["role"]
        self.avatar = row["avatar"]
        self.email_verified = row["email_verified_at"] is not None
        self.session_id = row["session_id"]
        self.compare_ids: list[int] = list(row["compare_ids"] or [])
        # The header's counts (unread notifications, later messages): every unread_<what> column of the session's
        # query, already capped there (at 10: the badge says "9+"), so a new count needs no new query.
        self.unread: dict[str, int] = {
            key.removeprefix("unread_"): value for key, value in row.items() if key.startswith("unread_")
        }
        self._token = token

    def get_id(self) -> str:
        return self._token

    @property
    def actor(self) -> Actor:
        return Actor(
            user_id=self.id,
            role=self.role,
            email_verified=self.email_verified,
            session_id=self.session_id,
            ip=client_ip(),
            user_agent=user_agent(),
        )

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_seller(self) -> bool:
        return self.role in ("seller", "admin")


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    # "strong" protection trusts X-Forwarded-For and is no control; revocable server-side sessions are.
    login_manager.session_protection = None
    login_manager.login_view = "auth.login"
    login_manager.refresh_view = "auth.reauthenticate"
    login_manager.needs_refresh_message = "Please enter your password again to continue."
    login_manager.needs_refresh_message_category = "info"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    # A global as well as flask-login's context value, so macros imported without context (the result card) see it.
    app.jinja_env.globals["current_user"] = current_user


def load_user(token: str) -> User | None:
    """The account behind a session token, or None when the session is revoked, expired or the account is off."""
    if not token or len(token) > 100:
        return None
    query, params = g.get("carsite_session_query") or ("sessions.user_for_session", {})
    row = db.optional(query, token_hash=passwords.token_hash(token), **params)
    if row is None:
        return None
    g.carsite_session_row = row
    if datetime.now(UTC) - row["last_seen_at"] > TOUCH_EVERY:
        db.execute("sessions.touch_session", session_id=row["session_id"])
    return User(row, token)


def with_session_state(query: str, **url_values: str) -> Callable[[Callable], Callable]:
    """Load the logged-in account with ``query`` instead of ``sessions.user_for_session``: the same columns and rule,
    plus state of the view's own, so a view that must answer fast (a poll's 304) makes one round trip in all.
    ``url_values`` maps the query's extra parameters to the view's URL arguments; the view reads the row with
    ``session_state()``. Put it outside the access rule's decorator (it must run before the account is loaded)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if g.get("_login_user") is None:
                g.carsite_session_query = (query, {name: kwargs[arg] for name, arg in url_values.items()})
            return view(*args, **kwargs)

        return wrapper

    return decorator


def session_state(query: str) -> dict[str, Any] | None:
    """The row ``with_session_state(query)`` loaded the account with; None when it was loaded otherwise."""
    if (g.get("carsite_session_query") or ("",))[0] != query or loaded_user() is None:
        return None
    return g.get("carsite_session_row")


def unauthorized():
    if wants_json():
        return error_response(401, "Log in to continue.")
    view = current_app.view_functions.get(request.endpoint or "")
    flash(getattr(view, "login_message", None) or login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def start_session(user_id: int, remember: bool, lifetime: timedelta) -> User:
    """Log an account in on a new server-side session (a fresh cookie: nothing set before login survives)."""
    token, digest = passwords.new_token()
    db.scalar(
        "sessions.create_session",
        user_id=user_id,
        token_hash=digest,
        remember=remember,
        ip=client_ip(),
        user_agent=user_agent(),
        lifetime_seconds=int(lifetime.total_seconds()),
    )
    user = User(db.one("sessions.user_for_session", token_hash=digest), token)
    session.clear()
    flask_login.login_user(user, remember=remember, duration=lifetime, fresh=True)
    return user


def end_session() -> None:
    """Revoke the current session server-side and forget it in the browser."""
    if current_user.is_authenticated:
        db.execute("sessions.revoke_session", token_hash=passwords.token_hash(current_user.get_id()))
    flask_login.logout_user()
    session.clear()


def request_actor() -> Actor:
    """The Actor of this request: the logged-in user, or a visitor, with the client's address and browser."""
    if current_user.is_authenticated:
        return current_user.actor
    return Actor.visitor(ip=client_ip(), user_agent=user_agent())


def client_ip() -> str | None:
    """The client's address as a valid IP (after ProxyFix, when configured), else None."""
    try:
        return str(ipaddress.ip_address(request.remote_addr or ""))
    except ValueError:
        return None


def user_agent() -> str:
    return (request.headers.get("User-Agent") or "")[:500]


# -- the rules ---------------------------------------------------------------------------------------------------


def _declare(view: Callable, rule: str) -> Callable:
    view.access = rule  # type: ignore[attr-defined]
    return view


def public(view: Callable) -> Callable:
    """Anyone may use this view."""
    return _declare(view, "public")


def login_required(view: Callable) -> Callable:
    """Logged-in accounts only; visitors are sent to the login page."""
    return _declare(flask_login.login_required(view), "user")


def fresh_login_required(view: Callable) -> Callable:
    """Logged in with a password in this session (not only a remember-me cookie); else re-authenticate."""
    return _declare(flask_login.fresh_login_required(view), "user")


def verified_required(view: Callable) -> Callable:
    """Logged in with a confirmed email address; 403 with a way forward otherwise."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.email_verified:
            abort(
                403, "Confirm your email address first: use the link we sent you, or send a new one from your account."
            )
        return view(*args, **kwargs)

    return _declare(flask_login.login_required(wrapper), "verified")


def role_required(
    *roles: str, lead: str | None = None, login_message: str | None = None
) -> Callable[[Callable], Callable]:
    """Logged-in accounts with one of these roles only: 403 for others, the login page for visitors. With ``lead``
    (an endpoint), others opening the page (GET) are led there instead, e.g. a buyer opening /sell to the page that
    explains becoming a seller, with ``next`` pointing back. ``login_message`` is what visitors read at the login."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                if lead is not None and request.method == "GET":
                    return redirect(url_for(lead, next=request.full_path.rstrip("?")))
                abort(403, "You do not have access to this page.")
            return view(*args, **kwargs)

        wrapper.roles = roles  # type: ignore[attr-defined]
        wrapper.leads = lead  # type: ignore[attr-defined]
        guarded = _declare(flask_login.login_required(wrapper), "+".join(roles))
        guarded.login_message = login_message  # type: ignore[attr-defined]
        return guarded

    return decorator


def loaded_user() -> User | None:
    """The user if this request already loaded one (never triggers a database query)."""
    user = g.get("_login_user")
    return user if user is not None and user.is_authenticated else None


def visitor_id() -> int | None:
    """The logged-in user's id, or None for a visitor (for queries that mark the user's own favourites)."""
    return current_user.id if current_user.is_authenticated else None
