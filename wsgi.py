"""WSGI entry point for waitress, gunicorn or any WSGI server: ``waitress-serve wsgi:app``."""

from flask.cli import load_dotenv

from carsite import create_app

load_dotenv()
app = create_app()
