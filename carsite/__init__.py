"""carsite: a car marketplace. ``create_app`` builds the Flask application."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from . import access, config, database, errors, views, web
from .ratelimit import limiter

csrf = CSRFProtect()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, blueprints, error handlers, CLI."""
    app = Flask(__name__, instance_path=str(config.PROJECT_DIR / "instance"))
    config.load(app, test_config)
    _logging(app)
    database.init_app(app)
    web.init_app(app)
    errors.init_app(app)
    csrf.init_app(app)
    access.init_app(app)
    limiter.init_app(app)
    views.init_app(app)

    from . import account, admin, api, auth, cars, cli, main, selling

    for blueprint in (main.bp, cars.bp, api.bp, auth.bp, account.bp, admin.bp, selling.bp):
        app.register_blueprint(blueprint)
    cli.init_app(app)
    return app


def _logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("carsite").setLevel(app.config["LOG_LEVEL"])
    # waitress warns about its task queue depth under any burst; it is noise, not a problem.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


__all__ = ["create_app"]
