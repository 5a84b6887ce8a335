"""What every page shares: security headers, error pages, template helpers and filters. The
features' blueprints are registered by the app factory (`workflow.create_app`)."""
from __future__ import annotations

import datetime as dt

from flask import Flask, abort, current_app, jsonify, render_template, request
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from workflow.core.access import can
from workflow.core.api import HTTP_CODES
from workflow.core.clocks import clock_of
from workflow.core.process import PROCESSES, task_title

# Production answers over HTTPS only: browsers that saw it once never try plain HTTP for a year.
HSTS = "max-age=31536000; includeSubDomains"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if current_app.config["ENV_NAME"] == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith(("/cases", "/aid", "/inbox", "/notifications", "/documents", "/jobs", "/verify",
                                "/registry", "/api/")):
        response.headers.setdefault("Cache-Control", "no-store")  # case data never sits in caches
    return response


def _error_page(status: int, message: str):
    if request.path.startswith("/api/"):
        code = HTTP_CODES.get(status, "server_error")
        return jsonify(error=code, message=message), status
    return render_template("error.html", status=status, message=message), status


def _refuse_nul() -> None:
    """No person types a NUL, and PostgreSQL cannot store one: a form or query that holds one is a
    bad request before any feature reads it."""
    values = [*request.args.listvalues(), *request.form.listvalues()]
    if any("\x00" in value for listed in values for value in listed):
        abort(400)


def init_app(app: Flask, template_globals: dict) -> None:
    """Headers, error pages and the helpers templates use (`template_globals`: the features'
    labels and processes, from the app factory)."""
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _error_page(400, _("The form expired or was not sent from OneStop; reload the page and try again."))

    for status, text in ((400, _l("Bad request.")), (403, _l("You may not do this.")), (404, _l("Not found.")),
                         (405, _l("Method not allowed.")), (413, _l("Request too large."))):
        app.register_error_handler(status, lambda exc, s=status, t=text: _error_page(s, str(t)))

    @app.errorhandler(429)
    def too_many(exc):
        # Flask-Limiter adds Retry-After to this response; the page says it in words.
        retry = getattr(getattr(exc, "limit", None), "limit", None)
        wait = format_timedelta(dt.timedelta(seconds=retry.get_expiry()), threshold=1) if retry else ""
        return _error_page(429, _("Too many attempts from your address. Please wait %(wait)s and try again.",
                                  wait=wait))

    @app.errorhandler(500)
    def server_error(exc):
        app.logger.exception("server error: %s", exc)
        return _error_page(500, _("Something went wrong on our side; nothing was saved. Please try again."))

    @app.context_processor
    def template_helpers():
        return {"can": can, "clock_of": clock_of, "task_title": task_title, "processes": PROCESSES,
                **template_globals}

    @app.template_filter("duration")
    def duration(seconds: int) -> str:
        """A span for people: "3 days", "5 hours" (largest whole unit)."""
        return format_timedelta(dt.timedelta(seconds=abs(seconds)), threshold=1)
