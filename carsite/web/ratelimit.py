"""Rate limits: Flask-Limiter with its counters in PostgreSQL, so they hold across processes and servers."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits.storage import Storage

from .. import db
from .access import client_ip


class PostgresStorage(Storage):
    """A ``limits`` storage over the named queries in queries/rate_limits.sql (fixed-window strategy)."""

    STORAGE_SCHEME = ["carsite"]

    @property
    def base_exceptions(self) -> type[Exception]:
        return db.DatabaseError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        if random.random() < 0.01:  # keys of one-off visitors would pile up otherwise
            db.execute("rate_limits.purge_expired")
        return db.scalar("rate_limits.incr", key=key, amount=amount, expiry_seconds=expiry)

    def get(self, key: str) -> int:
        row = db.optional("rate_limits.current", key=key)
        return row["count"] if row else 0

    def get_expiry(self, key: str) -> float:
        row = db.optional("rate_limits.expiry", key=key)
        return row["expires_at"] if row else time.time()

    def check(self) -> bool:
        try:
            return db.scalar("rate_limits.ping") == 1
        except db.DatabaseError:
            return False

    def reset(self) -> int | None:
        return db.execute("rate_limits.clear_all")

    def clear(self, key: str) -> None:
        db.execute("rate_limits.clear", key=key)


def client_key() -> str:
    return client_ip() or "unknown"


def account_key() -> str:
    """Limits per account: the account the submitted email reaches, whether or not such an account exists.

    PostgreSQL derives the key with the lookup's own lower() (Python's str.lower folds some letters, such as 'İ',
    differently, which would give one account several counters)."""
    email = (request.form.get("email") or "").strip()[:254]
    return "account:" + db.scalar("rate_limits.account_key", email=email)


# Login throttles. Per account, every attempt counts (a hit is taken before the password is checked, so parallel
# requests cannot overrun it): that is what stops guessing one person's password. Per client address the budget
# is six times larger, so a dealership office behind one address can log everyone in at the start of the day,
# while one address still cannot spray guesses across many accounts quickly.
LOGIN_PER_ACCOUNT = "5 per minute;50 per hour"
LOGIN_PER_ADDRESS = "30 per minute;300 per hour"


limiter = Limiter(
    key_func=client_key,
    storage_uri="carsite://",
    strategy="fixed-window",
    headers_enabled=True,
    key_prefix="carsite",
)
TOO_MANY = "Too many attempts. Please wait a little and try again."
# What Flask-Limiter's limit decorator sets on the views it wraps (functools.wraps carries it outwards), to a
# weak proxy of the limiter.
LIMITED_MARK = "__wrapper-limiter-instance"


def init_app(app: Flask) -> None:
    """Flask-Limiter, with its request hooks run only for views that have a limit (the account routes).

    carsite sets no default or application-wide limits, so on every other view the hooks find nothing to do, yet
    they cost about a sixth of a bare request. The limits themselves are checked by the decorators either way."""
    limiter.init_app(app)
    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        funcs: list[Any] = hooks[None]
        funcs[:] = [_where_limited(hook) if _is_limiters(hook) else hook for hook in funcs]


def _is_limiters(hook: Callable) -> bool:
    return getattr(hook, "__self__", None) is limiter or (isinstance(hook, partial) and limiter in hook.args)


def _where_limited(hook: Callable) -> Callable:
    def guarded(*args: Any) -> Any:
        view = current_app.view_functions.get(request.endpoint or "")
        if hasattr(view, LIMITED_MARK):
            return hook(*args)
        return args[0] if args else None  # an after_request hook hands the response on

    return guarded
