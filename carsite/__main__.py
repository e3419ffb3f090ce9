"""``python -m carsite``: Flask's command line with carsite's app factory (``flask --app carsite`` is the same)."""

from __future__ import annotations

import sys

from flask.cli import FlaskGroup

from . import create_app
from .cli import commands
from .config import ConfigError
from .db.embedded import EmbeddedUnavailable

cli = FlaskGroup(create_app=create_app, help="carsite: run the site and its chores.")
for command in commands():
    cli.add_command(command)


def main() -> None:
    try:
        cli.main(prog_name="python -m carsite")
    except (ConfigError, EmbeddedUnavailable) as exc:
        print(f"carsite: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
