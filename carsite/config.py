"""Configuration: defaults, then ``CARSITE_*`` environment variables and ``DATABASE_URL``, then test overrides."""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

PROJECT_DIR = Path(__file__).resolve().parent.parent
PLACEHOLDER_KEYS = {"", "dev", "change-me", "changeme", "secret", "development"}

DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": None,
    "DATABASE_URL": None,
    "QUERIES_DIR": str(PROJECT_DIR / "queries"),
    "MIGRATIONS_DIR": str(PROJECT_DIR / "migrations"),
    # A web request answers within DB_REQUEST_BUDGET seconds of arriving whatever the database does: waiting for
    # a pooled connection and every statement share that budget (503 when it is spent). The pool waits at most
    # DB_POOL_TIMEOUT (default: the budget); a statement runs at most DB_STATEMENT_TIMEOUT_MS (default: 80 % of
    # the budget, so a request with most of its budget left needs no per-statement timeout of its own).
    "DB_REQUEST_BUDGET": 5.0,
    "DB_POOL_MIN": 2,
    "DB_POOL_MAX": 10,
    "DB_POOL_TIMEOUT": None,
    "DB_CONNECT_TIMEOUT": 5,
    "DB_MAX_IDLE": 300.0,
    "DB_MAX_LIFETIME": 1800.0,
    "DB_STATEMENT_TIMEOUT_MS": None,
    "DB_SLOW_QUERY_MS": 250.0,
    # Embedded database (no DATABASE_URL): where it lives and whether its first start loads demo data.
    "EMBEDDED_DATA_DIR": None,
    "EMBEDDED_DEMO_DATA": True,
    "SITE_NAME": "carsite",
    # How prices, mileages and dates look (carsite.domain.numbers.LOCALES: en €18,900 · de 18.900 € · fr 18 900 €);
    # what people type is read the same way in every locale.
    "LOCALE": "en",
    "LOG_LEVEL": "INFO",
    # Links in emails are built from BASE_URL only, never from the request's Host header. Unset in development,
    # it is the address `serve` listens on (http://127.0.0.1:8000 for other commands); production must set it.
    "BASE_URL": None,
    # Host names the site answers to (Flask's TRUSTED_HOSTS); production defaults to BASE_URL's host.
    "TRUSTED_HOSTS": None,
    # How many reverse proxies in front set X-Forwarded-For / -Proto (0: trust no such header), and the addresses
    # (or networks) those headers are believed from; with PROXY_COUNT > 0 this defaults to the local machine.
    "PROXY_COUNT": 0,
    "TRUSTED_PROXIES": None,
    # Sessions: a browser session lasts SESSION_HOURS at most; "remember me" REMEMBER_DAYS.
    "SESSION_HOURS": 12,
    "REMEMBER_DAYS": 14,
    "VERIFY_EMAIL_HOURS": 48,
    "RESET_PASSWORD_MINUTES": 60,
    # Mail: SMTP when MAIL_SERVER is set (required in production), else .eml files in MAIL_DIR (instance/mail).
    "MAIL_SERVER": None,
    "MAIL_PORT": 587,
    "MAIL_STARTTLS": True,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": "carsite <no-reply@carsite.test>",
    "MAIL_DIR": None,
    # Unsubscribe links in mails work without logging in for this many days.
    "UNSUBSCRIBE_DAYS": 90,
    # The worker: jobs run at once per process (threads); serve starts one itself with the embedded database unless
    # --no-worker (or, with DATABASE_URL, only with --worker).
    "WORKER_CONCURRENCY": 4,
    # The account queue (sign-up, password, login mail) has a worker of its own with this many threads.
    "WORKER_ACCOUNT_CONCURRENCY": 2,
    # A worker writes a heartbeat every WORKER_HEARTBEAT_SECONDS; a job in "doing" whose worker's heartbeat is older
    # than JOB_STALLED_SECONDS (or whose worker row is gone) was left by a dead worker and is retried.
    "WORKER_HEARTBEAT_SECONDS": 10.0,
    "JOB_STALLED_SECONDS": 120.0,
    # Finished jobs (and their recorded failures) are pruned after these many days.
    "JOB_KEEP_SUCCEEDED_DAYS": 7,
    "JOB_KEEP_FAILED_DAYS": 30,
    # Saved-search alerts look at cars that went live up to this long ago, so a car approved in a transaction still
    # open when a run starts is found by the next run.
    "ALERT_SETTLE_SECONDS": 60,
    # A live listing expires LISTING_DAYS after it went live or was renewed; its owner is reminded (with a one-click
    # renewal link) LISTING_REMINDER_DAYS before, and it never expires sooner than that after the reminder.
    "LISTING_DAYS": 60,
    "LISTING_REMINDER_DAYS": 7,
    # New messages are mailed in one batch per conversation once the oldest unread one is this many minutes old
    # (a member who reads them in the site meanwhile gets no mail). 0: at the next minute's run.
    "MESSAGE_MAIL_DELAY_MINUTES": 5,
    # A buyer may change their review of a seller for this many days after writing it (1 to 365).
    "REVIEW_EDIT_DAYS": 7,
    # A reservation holds the car this many hours (counted again from the seller's acceptance); when it lapses
    # unsold, the car is available again and both sides are told.
    "RESERVATION_HOLD_HOURS": 48,
    # Uploads live outside the web root and are served by carsite with safe headers.
    "UPLOAD_DIR": None,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "AVATAR_MAX_BYTES": 2 * 1024 * 1024,
    # Uploads decoded and encoded at once per process; others wait IMAGE_WAIT_SECONDS, then get 503.
    "IMAGE_WORKERS": 2,
    "IMAGE_WAIT_SECONDS": 10.0,
    # Sign-up and reset requests answer no sooner than this, so timing does not tell whether an address is known
    # (above what either branch takes on a busy 2-core machine).
    "ANSWER_FLOOR_SECONDS": 0.25,
    "RATELIMIT_ENABLED": True,
    # Car page views are counted in memory and written every VIEW_FLUSH_SECONDS (0: only when asked, for tests).
    "VIEW_FLUSH_SECONDS": 10.0,
    # How long a shared cache (a proxy in front) may answer search, home, sitemap and API list pages from its copy
    # before asking again (s-maxage); car pages are always checked. 0: every use is checked with carsite.
    "SHARED_CACHE_SECONDS": 5,
    # The car page's finance calculator starts from these terms, and result cards show "from €N / month" on them:
    # APR in percent (nominal, a twelfth a month), the term in months (1 to 120), the deposit as a share of the price.
    "FINANCE_APR": "6.9",
    "FINANCE_TERM_MONTHS": 48,
    "FINANCE_DEPOSIT_PERCENT": 20,
}


DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"


def served_base_url(host: str, port: int) -> str:
    """The development base URL for a server listening on (host, port): a wildcard address becomes loopback."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ConfigError(RuntimeError):
    """The configuration cannot work; the message is one line saying why."""


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config and check it; raise ConfigError with a one-line reason when it cannot run."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("CARSITE")
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.from_mapping(test_config)
    production = app.config["ENV"] == "production"
    app.config["PRODUCTION"] = production
    _proxies(app.config)
    _database_bounds(app.config)
    _cookies(app.config, production)
    _locale(app.config)
    _listing_days(app.config)
    _message_mail(app.config)
    _review_days(app.config)
    _reservation_hold(app.config)
    _finance(app.config)
    if production:
        key = app.config.get("SECRET_KEY")
        if not key or str(key).lower() in PLACEHOLDER_KEYS or len(str(key)) < 32:
            raise ConfigError(
                "CARSITE_ENV=production needs CARSITE_SECRET_KEY: a random string of 32+ characters "
                "(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        if not app.config.get("DATABASE_URL"):
            raise ConfigError("CARSITE_ENV=production needs DATABASE_URL (postgresql://user:password@host/db)")
        if not str(app.config.get("BASE_URL") or "").startswith("https://"):
            raise ConfigError("CARSITE_ENV=production needs CARSITE_BASE_URL, the site's https:// address")
        if not app.config.get("MAIL_SERVER"):
            raise ConfigError("CARSITE_ENV=production needs CARSITE_MAIL_SERVER (SMTP host) to send account emails")
        app.config["EMBEDDED_DEMO_DATA"] = False
        if not app.config.get("TRUSTED_HOSTS"):
            app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["BASE_URL"]).hostname]
    else:
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
        if not app.config.get("BASE_URL"):
            app.config["BASE_URL"] = DEVELOPMENT_BASE_URL
            app.config["BASE_URL_FROM_SERVE"] = True  # `serve` replaces it by the address it listens on


def _database_bounds(config: dict[str, Any]) -> None:
    """Fill the pool and statement timeouts from DB_REQUEST_BUDGET where they are not set."""
    try:
        budget = float(config["DB_REQUEST_BUDGET"])
    except (TypeError, ValueError):
        budget = 0.0
    if not budget > 0:
        raise ConfigError(f"CARSITE_DB_REQUEST_BUDGET must be seconds > 0, got {config['DB_REQUEST_BUDGET']!r}")
    config["DB_REQUEST_BUDGET"] = budget
    if config.get("DB_POOL_TIMEOUT") in (None, ""):
        config["DB_POOL_TIMEOUT"] = budget
    if config.get("DB_STATEMENT_TIMEOUT_MS") in (None, ""):
        config["DB_STATEMENT_TIMEOUT_MS"] = max(1, int(budget * 800))


def _proxies(config: dict[str, Any]) -> None:
    """Check PROXY_COUNT and turn TRUSTED_PROXIES (a comma-separated string or a list) into networks."""
    try:
        count = int(config["PROXY_COUNT"])
    except (TypeError, ValueError):
        count = -1
    if count < 0:
        raise ConfigError(f"CARSITE_PROXY_COUNT must be a whole number >= 0, got {config['PROXY_COUNT']!r}")
    config["PROXY_COUNT"] = count
    given = config.get("TRUSTED_PROXIES")
    if given is None or given == "":
        given = "127.0.0.1, ::1" if count else ""
    items = given.replace(",", " ").split() if isinstance(given, str) else [str(item) for item in given]
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"CARSITE_TRUSTED_PROXIES: {item!r} is not an IP address or network (e.g. 127.0.0.1, 10.0.0.0/8)"
            ) from None
    if count and not networks:
        raise ConfigError("CARSITE_PROXY_COUNT > 0 needs CARSITE_TRUSTED_PROXIES: the proxies' addresses")
    config["TRUSTED_PROXIES"] = networks


def _listing_days(config: dict[str, Any]) -> None:
    """Check LISTING_DAYS (>= 1) and LISTING_REMINDER_DAYS (0 for no reminder, less than LISTING_DAYS)."""
    values = {}
    for key in ("LISTING_DAYS", "LISTING_REMINDER_DAYS"):
        try:
            values[key] = int(str(config[key]))
        except (TypeError, ValueError):
            raise ConfigError(f"CARSITE_{key} must be a whole number of days, got {config[key]!r}") from None
    if values["LISTING_DAYS"] < 1:
        raise ConfigError(f"CARSITE_LISTING_DAYS must be at least 1, got {values['LISTING_DAYS']}")
    if not 0 <= values["LISTING_REMINDER_DAYS"] < values["LISTING_DAYS"]:
        raise ConfigError(
            f"CARSITE_LISTING_REMINDER_DAYS must be from 0 to CARSITE_LISTING_DAYS - 1 ({values['LISTING_DAYS'] - 1}),"
            f" got {values['LISTING_REMINDER_DAYS']}"
        )
    config.update(values)


def _message_mail(config: dict[str, Any]) -> None:
    """Check MESSAGE_MAIL_DELAY_MINUTES: a whole number of minutes, 0 to a day."""
    raw = config["MESSAGE_MAIL_DELAY_MINUTES"]
    try:
        minutes = int(str(raw))
    except (TypeError, ValueError):
        minutes = -1
    if not 0 <= minutes <= 1440:
        raise ConfigError(f"CARSITE_MESSAGE_MAIL_DELAY_MINUTES must be whole minutes from 0 to 1440, got {raw!r}")
    config["MESSAGE_MAIL_DELAY_MINUTES"] = minutes


def _review_days(config: dict[str, Any]) -> None:
    """Check REVIEW_EDIT_DAYS: whole days from 1 to 365."""
    raw = config["REVIEW_EDIT_DAYS"]
    try:
        days = int(str(raw))
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 365:
        raise ConfigError(f"CARSITE_REVIEW_EDIT_DAYS must be whole days from 1 to 365, got {raw!r}")
    config["REVIEW_EDIT_DAYS"] = days


def _reservation_hold(config: dict[str, Any]) -> None:
    """Check RESERVATION_HOLD_HOURS: whole hours from 1 to 30 days."""
    raw = config["RESERVATION_HOLD_HOURS"]
    try:
        hours = int(str(raw))
    except (TypeError, ValueError):
        hours = 0
    if not 1 <= hours <= 720:
        raise ConfigError(f"CARSITE_RESERVATION_HOLD_HOURS must be whole hours from 1 to 720, got {raw!r}")
    config["RESERVATION_HOLD_HOURS"] = hours


def _finance(config: dict[str, Any]) -> None:
    """Check the finance defaults: FINANCE_APR from 0 to under 100 (%), FINANCE_TERM_MONTHS 1 to 120,
    FINANCE_DEPOSIT_PERCENT 0 to 100; store them as Decimal, int and Decimal."""
    apr = _decimal(config["FINANCE_APR"])
    if apr is None or not 0 <= apr < 100:
        raise ConfigError(
            f"CARSITE_FINANCE_APR must be a percentage from 0 to under 100, got {config['FINANCE_APR']!r}"
        )
    raw_term = config["FINANCE_TERM_MONTHS"]
    term = int(str(raw_term)) if str(raw_term).isascii() and str(raw_term).isdigit() else 0
    if not 1 <= term <= 120:
        raise ConfigError(f"CARSITE_FINANCE_TERM_MONTHS must be whole months from 1 to 120, got {raw_term!r}")
    raw_deposit = config["FINANCE_DEPOSIT_PERCENT"]
    deposit = _decimal(raw_deposit)
    if deposit is None or not 0 <= deposit <= 100:
        raise ConfigError(f"CARSITE_FINANCE_DEPOSIT_PERCENT must be a percentage from 0 to 100, got {raw_deposit!r}")
    config.update(FINANCE_APR=apr, FINANCE_TERM_MONTHS=term, FINANCE_DEPOSIT_PERCENT=deposit)


def _decimal(raw: Any) -> Decimal | None:
    """A finite number from a setting (text, int, float as the environment's JSON gives it, or Decimal); else None."""
    if isinstance(raw, bool):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _locale(config: dict[str, Any]) -> None:
    from .domain.numbers import LOCALES

    if config["LOCALE"] not in LOCALES:
        raise ConfigError(f"CARSITE_LOCALE must be one of {', '.join(LOCALES)} (not {config['LOCALE']!r})")


def _cookies(config: dict[str, Any], production: bool) -> None:
    """HttpOnly and SameSite=Lax everywhere; Secure and the __Host- prefix in production (served over https)."""
    config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=production,
        REMEMBER_COOKIE_DURATION=timedelta(days=float(config["REMEMBER_DAYS"])),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=float(config["SESSION_HOURS"])),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session; the session itself expires
    )
    if production:
        config.update(SESSION_COOKIE_NAME="__Host-session", REMEMBER_COOKIE_NAME="__Host-remember")
    else:
        config.update(SESSION_COOKIE_NAME="carsite_session", REMEMBER_COOKIE_NAME="carsite_remember")


def _instance_secret(instance: Path) -> str:
    """A development key kept in the instance folder, so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip()
