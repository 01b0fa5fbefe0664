"""WSGI entry point: gunicorn 'wsgi:app' (see README for the settings)."""

from trailapp import create_app

app = create_app()
