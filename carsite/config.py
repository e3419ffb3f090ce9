"""Configuration: defaults, then ``CARSITE_*`` environment variables and ``DATABASE_URL``, then test overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_DIR = Path(__file__).resolve().parent.parent
PLACEHOLDER_KEYS = {"", "dev", "change-me", "changeme", "secret", "development"}

DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": None,
    "DATABASE_URL": None,
    "QUERIES_DIR": str(PROJECT_DIR / "queries"),
    "MIGRATIONS_DIR": str(PROJECT_DIR / "migrations"),
    # The pool: small and fast to fail, so a database outage answers 503 within seconds instead of hanging.
    "DB_POOL_MIN": 2,
    "DB_POOL_MAX": 10,
    "DB_POOL_TIMEOUT": 5.0,
    "DB_CONNECT_TIMEOUT": 5,
    "DB_MAX_IDLE": 300.0,
    "DB_MAX_LIFETIME": 1800.0,
    "DB_STATEMENT_TIMEOUT_MS": 15_000,
    "DB_SLOW_QUERY_MS": 250.0,
    # Embedded database (no DATABASE_URL): where it lives and whether its first start loads demo data.
    "EMBEDDED_DATA_DIR": None,
    "EMBEDDED_DEMO_DATA": True,
    "SITE_NAME": "carsite",
    "LOG_LEVEL": "INFO",
}


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
    if production:
        key = app.config.get("SECRET_KEY")
        if not key or str(key).lower() in PLACEHOLDER_KEYS or len(str(key)) < 32:
            raise ConfigError(
                "CARSITE_ENV=production needs CARSITE_SECRET_KEY: a random string of 32+ characters "
                "(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        if not app.config.get("DATABASE_URL"):
            raise ConfigError("CARSITE_ENV=production needs DATABASE_URL (postgresql://user:password@host/db)")
        app.config["EMBEDDED_DEMO_DATA"] = False
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def _instance_secret(instance: Path) -> str:
    """A development key kept in the instance folder, so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip()
