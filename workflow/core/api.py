"""What the JSON API under /api/v1 shares: its blueprint, errors, request parsing and the form
binding of triggers. Each feature adds its routes to `bp` in its own `api` module.

Every error is `{"error": code, "message": text}` (plus `"fields"` for 422). Request bodies are
JSON objects; an action's `data` is turned into the form data the trigger's WTForms form expects
(`name`, repeated keys for lists, `name-<i>-<sub>` for rows), so pages and API share validation.
Authentication (Bearer tokens) is the accounts' part: `workflow.admin.api`.
"""
from __future__ import annotations

import contextlib
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from workflow.core import engine, process, serializers
from workflow.core.errors import Invalid, WorkflowError
from workflow.core.extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "bad_request",
              422: "invalid", 423: "account_locked", 429: "rate_limited"}
MAX_PER_PAGE = 100


# --- errors -----------------------------------------------------------------------------------

def error_response(status: int, code: str, message: str, fields: dict | None = None):
    body: dict[str, Any] = {"error": code, "message": message}
    if status == 422 or fields:
        body["fields"] = fields or {}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="onestop"'
    return response


class BadRequest(WorkflowError):
    status, code = 400, "bad_request"


class Unauthorized(WorkflowError):
    status, code = 401, "unauthorized"


@bp.errorhandler(WorkflowError)
def _workflow_error(exc: WorkflowError):
    return error_response(exc.status, exc.code, exc.message, exc.fields)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    status = exc.code or 500
    return error_response(status, HTTP_CODES.get(status, "server_error"), exc.description or exc.name)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    db.session.rollback()
    current_app.logger.exception("API error: %s", exc)
    return error_response(500, "server_error", _("Something went wrong on our side; nothing was saved."))


# --- request parsing and form binding -----------------------------------------------------------

def json_object() -> dict:
    try:
        body = request.get_json(silent=True) if request.is_json else None
    except RecursionError:  # absurdly nested JSON; ValueErrors are already silenced
        body = None
    if not isinstance(body, dict):
        raise BadRequest(_("Send a JSON object with Content-Type: application/json."))
    return body


def int_arg(name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw) if len(raw) <= 9 else -1
    except ValueError:
        raise BadRequest(_("Query parameter %(name)s must be an integer.", name=name)) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise BadRequest(_("Query parameter %(name)s is out of range.", name=name))
    return value


@contextlib.contextmanager
def shape_errors_merged(errors: dict[str, list[str]]):
    """Report JSON shape errors together with the form's own field errors, as one 422."""
    try:
        yield
    except Invalid as exc:
        exc.fields = {**exc.fields, **errors}
        raise


def bound_form(transition: process.Transition, case, data: Any):
    """The trigger's form filled from JSON `data`. Shape errors (unknown fields, objects where a
    value belongs) make validation fail with those fields, after the permission checks."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Invalid(_("The submitted data is not valid."), {"data": [_("Must be a JSON object.")]})
    formdata, errors = serializers.json_to_formdata(data, transition.form(formdata=None, meta={"csrf": False}))
    form = engine.build_form(transition, case, formdata, api=True)
    if errors:
        validate = form.validate

        def validate_and_fail(extra_validators=None):
            validate(extra_validators)
            return False

        form.validate = validate_and_fail
    return form, errors


def fire_with(subject, transition, fire_function):
    """Parse {version, data}, bind the trigger's form and call `fire_function(user, subject, version,
    form)`; shape errors and a non-integer version come back as one 422."""
    body = json_object()
    version = body.get("version")
    version_ok = isinstance(version, int) and not isinstance(version, bool)
    form, errors = bound_form(transition, subject, body.get("data"))
    try:
        with shape_errors_merged(errors):
            return fire_function(g.api_user, subject, version if version_ok else None, form)
    except Invalid as exc:
        if "version" in exc.fields and version is not None:
            message = _("The version must be an integer.")
            exc.message, exc.fields["version"] = message, [message]
        raise


# --- OpenAPI ------------------------------------------------------------------------------------

def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_responses(*statuses: int) -> dict:
    text = {400: "Malformed request (not a JSON object, bad query parameter)",
            401: "Missing, invalid or expired Bearer token", 403: "Not allowed for this user's role",
            404: "No such case (or not visible to the caller), unknown trigger, or a page after the last",
            409: "Wrong state, suspended case or stale version (nothing was changed)",
            422: "Invalid data (see `fields`) or an unmet guard (`guard_failed`)",
            423: "The account is locked after too many failures (`account_locked`; header Retry-After)",
            429: "Too many requests from this address or employer (`rate_limited`; header Retry-After), or the "
                 "account's reading is suspended until a reviewer releases it (`reads_suspended`)"}
    return {str(s): json_content(ref("Error"), text[s]) for s in statuses}
