"""The WSGI application for gunicorn and `flask --app wsgi`."""
from workflow import create_app

app = create_app()
