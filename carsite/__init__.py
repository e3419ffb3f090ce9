"""carsite: a car marketplace. ``create_app`` builds the Flask application.

One package per area (accounts, cars, selling, finance, admin, api, site), each with a thin ``views.py`` over use-case
modules that take an explicit ``domain.Actor``; ``web`` is request plumbing, ``db`` the data module.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from . import config, web
from .cars import viewcounts
from .db import setup as database


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, request plumbing, blueprints, CLI."""
    app = Flask(__name__, instance_path=str(config.PROJECT_DIR / "instance"))
    config.load(app, test_config)
    _logging(app)
    database.init_app(app)
    web.init_app(app)
    viewcounts.init_app(app)

    from . import cli
    from .accounts import views as accounts
    from .admin import views as admin
    from .api import views as api
    from .cars import views as cars
    from .contact import views as contact
    from .finance import views as finance
    from .messages import views as messages
    from .notifications import views as notifications
    from .orders import views as orders
    from .reports import views as reports
    from .reviews import views as reviews
    from .searches import views as searches
    from .selling import views as selling
    from .site import views as site
    from .testdrives import views as testdrives
    from .tradeins import views as tradeins

    for blueprint in (
        site.bp,
        cars.bp,
        api.bp,
        accounts.bp,
        accounts.account_bp,
        admin.bp,
        selling.bp,
        notifications.bp,
        searches.bp,
        messages.bp,
        contact.bp,
        testdrives.bp,
        tradeins.bp,
        reports.bp,
        reviews.bp,
        orders.bp,
        finance.bp,
    ):
        app.register_blueprint(blueprint)
    cli.init_app(app)
    database.load_demo_if_new(app)
    return app


def _logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("carsite").setLevel(app.config["LOG_LEVEL"])
    # waitress warns about its task queue depth under any burst; it is noise, not a problem.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    # fpdf2's font subsetting (fontTools) logs a line per table at INFO for every bill of sale.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    # procrastinate logs every job's start and end at INFO (a line a minute from the periodic jobs alone); failures
    # come at WARNING and above, and carsite's own job logs stay as LOG_LEVEL says.
    logging.getLogger("procrastinate").setLevel(max(logging.WARNING, logging.getLogger("carsite").level))


__all__ = ["create_app"]
