"""The JSON API under /api/v1: Bearer tokens, cases, actions (triggers), tasks, the workflow
definition and its OpenAPI document.

Every error is `{"error": code, "message": text}` (plus `"fields"` for 422). Request bodies are
JSON objects; an action's `data` is turned into the form data the trigger's WTForms form expects
(`name`, repeated keys for lists, `name-<i>-<sub>` for rows), so pages and API share validation.
"""
from __future__ import annotations

import contextlib
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from workflow.admin import users as user_service
from workflow.aid import definition as aid_definition
from workflow.aid import operations as aid_service
from workflow.aid import serializers as aid_serializers
from workflow.cases import definition as cases_definition
from workflow.cases import operations as case_service
from workflow.cases import serializers as cases_serializers
from workflow.core import engine
from workflow.core import process as core_process
from workflow.core import serializers as core_serializers
from workflow.core.errors import Invalid, NotFound, WorkflowError
from workflow.core.extensions import db
from workflow.inbox import notifications as notification_service
from workflow.inbox import serializers as inbox_serializers
from workflow.inbox import tasks as task_service

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.issue_token", "api.openapi"}
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "bad_request",
              422: "invalid", 429: "rate_limited"}
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


# --- authentication and request parsing ---------------------------------------------------------

@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    user = user_service.user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        raise Unauthorized(_("A valid Bearer token is required."))
    g.api_user = user


def _json_object() -> dict:
    try:
        body = request.get_json(silent=True) if request.is_json else None
    except RecursionError:  # absurdly nested JSON; ValueErrors are already silenced
        body = None
    if not isinstance(body, dict):
        raise BadRequest(_("Send a JSON object with Content-Type: application/json."))
    return body


def _int_arg(name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
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
def _shape_errors_merged(errors: dict[str, list[str]]):
    """Report JSON shape errors together with the form's own field errors, as one 422."""
    try:
        yield
    except Invalid as exc:
        exc.fields = {**exc.fields, **errors}
        raise


def _bound_form(transition: core_process.Transition, case, data: Any):
    """The trigger's form filled from JSON `data`. Shape errors (unknown fields, objects where a
    value belongs) make validation fail with those fields, after the permission checks."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Invalid(_("The submitted data is not valid."), {"data": [_("Must be a JSON object.")]})
    formdata, errors = core_serializers.json_to_formdata(data, transition.form(formdata=None, meta={"csrf": False}))
    form = engine.build_form(transition, case, formdata, api=True)
    if errors:
        validate = form.validate

        def validate_and_fail(extra_validators=None):
            validate(extra_validators)
            return False

        form.validate = validate_and_fail
    return form, errors


MAX_ID = 2**31 - 1  # ids are 32-bit integer columns; larger ones cannot exist (and SQLite overflows at 2**63)


def _case(case_id: int):
    if case_id > MAX_ID:
        raise NotFound(_("Case not found."))
    return case_service.get_case(g.api_user, case_id)


def _text_arg(name: str) -> str:
    value = request.args.get(name, "")
    if "\x00" in value:
        raise BadRequest(_("Query parameter %(name)s must not contain NUL characters.", name=name))
    return value


# --- endpoints ----------------------------------------------------------------------------------

@bp.post("/tokens")
def issue_token():
    body = _json_object()
    username, password, otp = body.get("username"), body.get("password"), body.get("otp")
    fields = {name: [_("Required (a string).")] for name, value in (("username", username), ("password", password))
              if not isinstance(value, str) or not value or "\x00" in value}
    if otp is not None and (not isinstance(otp, str) or "\x00" in otp):
        fields["otp"] = [_("Must be a string.")]
    if fields:
        raise Invalid(_("The submitted data is not valid."), fields)
    user = user_service.authenticate(username, password)
    # Second factor, once accounts carry one (the users service then provides verify_otp).
    verify_otp = getattr(user_service, "verify_otp", None)
    if user is not None and verify_otp is not None and not verify_otp(user, otp):
        user = None
    if user is None:
        raise Unauthorized(_("Wrong username, password or one-time code."))
    token, expires = user_service.issue_token(user)
    return jsonify(token=token, token_type="Bearer", expires_at=core_serializers.utc(expires)), 201


@bp.get("/workflow")
def workflow():
    return jsonify(cases_serializers.workflow_json())


@bp.get("/cases")
def list_cases():
    query = _text_arg("q")
    state = _text_arg("state")
    if state and state not in cases_definition.STATE_BY_NAME:
        raise BadRequest(_("Unknown state: %(state)s.", state=state))
    page = _int_arg("page", 1)
    per_page = _int_arg("per_page", current_app.config.get("CASES_PER_PAGE", 50), maximum=MAX_PER_PAGE)
    result = case_service.search_cases(g.api_user, query=query, state=state, page=page, per_page=per_page)
    return jsonify(cases=[cases_serializers.case_summary(c) for c in result.items], page=result.page,
                   per_page=result.per_page, total=result.total, pages=result.pages)


@bp.post("/cases")
def create_case():
    body = _json_object()
    form, errors = _bound_form(cases_definition.CREATE, None, body)
    with _shape_errors_merged(errors):
        case = case_service.create_case(g.api_user, form)
    response = jsonify(cases_serializers.case_detail(case, g.api_user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_case", case_id=case.id)
    return response


@bp.get("/cases/<int:case_id>")
def get_case(case_id: int):
    return jsonify(cases_serializers.case_detail(_case(case_id), g.api_user))


def _fire_with(subject, transition, fire_function):
    """Parse {version, data}, bind the trigger's form and call `fire_function(user, subject, version,
    form)`; shape errors and a non-integer version come back as one 422."""
    body = _json_object()
    version = body.get("version")
    version_ok = isinstance(version, int) and not isinstance(version, bool)
    form, errors = _bound_form(transition, subject, body.get("data"))
    try:
        with _shape_errors_merged(errors):
            return fire_function(g.api_user, subject, version if version_ok else None, form)
    except Invalid as exc:
        if "version" in exc.fields and version is not None:
            message = _("The version must be an integer.")
            exc.message, exc.fields["version"] = message, [message]
        raise


@bp.post("/cases/<int:case_id>/actions/<trigger>")
def fire(case_id: int, trigger: str):
    case = _case(case_id)
    transition = engine.transition_for(trigger)
    case = _fire_with(case, transition, lambda user, subject, version, form: case_service.fire(
        user, subject, trigger, version, form))
    return jsonify(cases_serializers.case_detail(case, g.api_user))


@bp.post("/cases/<int:case_id>/aid")
def flag_aid(case_id: int):
    """Open an aid application for the case (its `flag_aid` trigger)."""
    case = _case(case_id)
    application = _fire_with(case, aid_definition.FLAG_AID, aid_service.flag)
    response = jsonify(aid_serializers.aid_detail(application, g.api_user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_aid", application_id=application.id)
    return response


def _aid(application_id: int):
    if application_id > MAX_ID:
        raise NotFound(_("Aid application not found."))
    return aid_service.get_application(g.api_user, application_id)


@bp.get("/aid/<int:application_id>")
def get_aid(application_id: int):
    return jsonify(aid_serializers.aid_detail(_aid(application_id), g.api_user))


@bp.post("/aid/<int:application_id>/actions/<trigger>")
def fire_aid(application_id: int, trigger: str):
    application = _aid(application_id)
    transition = engine.transition_for(trigger, aid_definition.AID)
    application = _fire_with(application, transition, lambda user, subject, version, form: aid_service.fire(
        user, subject, trigger, version, form))
    return jsonify(aid_serializers.aid_detail(application, g.api_user))


@bp.get("/tasks")
def tasks():
    scope = request.args.get("scope", "mine")
    if scope not in task_service.SCOPES:
        raise BadRequest(_("Unknown scope; use one of: %(scopes)s.", scopes=", ".join(task_service.SCOPES)))
    if scope == "centre" and "supervisor" not in g.api_user.roles:
        raise WorkflowError(_("Only supervisors see the centre's tasks."), status=403, code="forbidden")
    return jsonify(scope=scope, tasks=[core_serializers.task_json(t) for t in task_service.inbox(g.api_user, scope)])


@bp.get("/notifications")
def notifications():
    unread_only = request.args.get("unread") in ("1", "true")
    rows = notification_service.recent(g.api_user, unread_only=unread_only, limit=_int_arg("limit", 100, maximum=500))
    return jsonify(unread=notification_service.unread_count(g.api_user),
                   notifications=[inbox_serializers.notification_json(n) for n in rows])


@bp.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    notification_service.mark_read(g.api_user, notification_id)
    return jsonify(inbox_serializers.notification_json(notification_service.get_own(g.api_user, notification_id)))


@bp.post("/notifications/read")
def read_all_notifications():
    return jsonify(marked=notification_service.mark_read(g.api_user))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


# --- OpenAPI ------------------------------------------------------------------------------------

def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    text = {400: "Malformed request (not a JSON object, bad query parameter)",
            401: "Missing, invalid or expired Bearer token", 403: "Not allowed for this user's role",
            404: "No such case (or not visible to the caller), or unknown trigger",
            409: "Wrong state, suspended case or stale version (nothing was changed)",
            422: "Invalid data (see `fields`) or an unmet guard (`guard_failed`)"}
    return {str(s): _json(_ref("Error"), text[s]) for s in statuses}


def openapi_document() -> dict:
    """OpenAPI 3.1, generated from the process definition and the trigger forms."""
    string, integer, boolean = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
    nullable_string = {"type": ["string", "null"]}
    datetime_utc = {"type": ["string", "null"], "format": "date-time"}
    triggers = [t.trigger for t in cases_definition.TRANSITIONS]
    data_schemas = {f"ActionData_{t.trigger}": core_serializers.form_schema(core_serializers.blank_form(t))
                    for t in cases_definition.TRANSITIONS}
    aid_triggers = [t.trigger for t in aid_definition.AID.transitions if not t.automatic]
    data_schemas.update({f"AidActionData_{t}": core_serializers.form_schema(core_serializers.blank_form(
        aid_definition.AID.by_trigger[t])) for t in aid_triggers})
    create_schema = core_serializers.form_schema(core_serializers.blank_form(cases_definition.CREATE))
    transition_schema = {
        "type": "object",
        "required": ["trigger", "label", "sources", "dest", "roles", "internal", "automatic", "fields"],
        "properties": {"trigger": {"type": "string", "enum": triggers + [cases_definition.CREATE.trigger]},
                       "label": string, "sources": {"type": "array", "items": string},
                       "dest": nullable_string, "roles": {"type": "array", "items": string},
                       "internal": boolean, "automatic": boolean, "allowed_while_suspended": boolean,
                       "compartment": nullable_string, "fields": {"type": "array", "items": string}},
    }
    schemas = {
        "Error": {"type": "object", "required": ["error", "message"],
                  "properties": {"error": {"type": "string", "description": "machine-readable code, e.g. "
                                           "unauthorized, forbidden, not_on_team, not_found, unknown_trigger, "
                                           "wrong_state, suspended, stale_version, guard_failed, invalid"},
                                 "message": string,
                                 "fields": {"type": "object",
                                            "additionalProperties": {"type": "array", "items": string},
                                            "description": "field name (rows as name-<i>-<sub>) -> messages"}}},
        "TokenRequest": {"type": "object", "required": ["username", "password"],
                         "properties": {"username": string, "password": string, "otp": string}},
        "Token": {"type": "object", "required": ["token", "expires_at"],
                  "properties": {"token": string, "token_type": {"const": "Bearer"},
                                 "expires_at": {"type": "string", "format": "date-time"}}},
        "State": {"type": "object", "required": ["name", "label", "terminal"],
                  "properties": {"name": {"type": "string", "enum": list(cases_definition.STATE_NAMES)},
                                 "label": string, "terminal": boolean,
                                 "tasks": {"type": "array", "items": {"type": "object"}}}},
        "Transition": transition_schema,
        "Workflow": {"type": "object", "required": ["version", "states", "transitions", "initial", "create"],
                     "properties": {"version": integer, "initial": string,
                                    "states": {"type": "array", "items": _ref("State")},
                                    "transitions": {"type": "array", "items": _ref("Transition")},
                                    "create": _ref("Transition"),
                                    "compartments": {"type": "object",
                                                     "additionalProperties": {"type": "array", "items": string}}}},
        "UserRef": {"type": ["object", "null"],
                    "properties": {"id": integer, "username": string, "name": string}},
        "Action": {"type": "object", "required": ["trigger", "label", "allowed"],
                   "properties": {"trigger": {"type": "string", "enum": triggers}, "label": string,
                                  "dest": nullable_string, "internal": boolean, "allowed": boolean,
                                  "reason": {"type": "string", "description": "why not (only when not allowed)"},
                                  "status": {"type": "integer", "description": "the HTTP status firing would get"},
                                  "code": string}},
        "Task": {"type": "object",
                 "required": ["id", "case_id", "case_number", "state", "role", "title", "assignee", "due_at",
                              "overdue"],
                 "properties": {"id": integer, "case_id": integer, "case_number": string,
                                "aid_application_id": {"type": ["integer", "null"],
                                                       "description": "set for tasks of an aid application"},
                                "state": {"type": "string", "description": "state (of the case or the aid "
                                          "application) or trigger that opened the task"},
                                "role": string, "title": string, "assignee": _ref("UserRef"),
                                "opened_at": datetime_utc,
                                "started_at": {"type": "string", "format": "date-time",
                                               "description": "when the clock started (its start event)"},
                                "due_at": {"type": "string", "format": "date-time"},
                                "closed_at": datetime_utc,
                                "overdue": {"type": "boolean",
                                            "description": "open, past due, and the case is not suspended"},
                                "clock": {"type": "object", "properties": {
                                    "state": {"type": "string", "enum": ["running", "overdue", "paused", "done"]},
                                    "remaining_seconds": {"type": ["integer", "null"],
                                                          "description": "negative when overdue; frozen while "
                                                                         "paused; null once done"},
                                    "paused_seconds": {"type": "integer",
                                                       "description": "total time the case was suspended"},
                                    "paused_since": datetime_utc, "extended_at": datetime_utc}}}},
        "Notification": {"type": "object", "required": ["id", "kind", "task", "task_due_at", "created_at"],
                         "properties": {"id": integer,
                                        "kind": {"type": "string", "enum": ["due_soon", "overdue", "escalated"]},
                                        "label": string,
                                        "task": {"type": "object", "properties": {
                                            "id": integer, "title": string, "case_id": integer,
                                            "case_number": string,
                                            "aid_application_id": {"type": ["integer", "null"]},
                                            "closed": boolean}},
                                        "task_due_at": datetime_utc, "created_at": datetime_utc,
                                        "read_at": datetime_utc}},
        "NotificationList": {"type": "object",
                             "properties": {"unread": integer,
                                            "notifications": {"type": "array", "items": _ref("Notification")}}},
        "TaskList": {"type": "object", "properties": {"scope": string,
                                                      "tasks": {"type": "array", "items": _ref("Task")}}},
        "CaseSummary": {"type": "object", "required": ["id", "number", "state", "version"],
                        "properties": {"id": integer, "number": string,
                                       "state": {"type": "string", "enum": list(cases_definition.STATE_NAMES)},
                                       "state_label": string, "version": integer, "suspended": boolean,
                                       "child_name": string, "child_sex": string, "incident_number": string,
                                       "offence_type": string, "created_at": datetime_utc,
                                       "updated_at": datetime_utc}},
        "CaseList": {"type": "object",
                     "properties": {"cases": {"type": "array", "items": _ref("CaseSummary")}, "page": integer,
                                    "per_page": integer, "total": integer, "pages": integer}},
        "Contact": {"type": "object", "required": ["id", "kind", "hidden"],
                    "properties": {"id": integer, "kind": string, "relation": string, "is_suspect": boolean,
                                   "absent": boolean, "can_act_for_child": boolean,
                                   "hidden": {"type": "boolean",
                                              "description": "a guardian who is a suspect: name and phone omitted"},
                                   "name": string, "phone": string}},
        "Case": {
            "type": "object",
            "required": ["id", "number", "state", "state_label", "version", "definition_version", "suspended",
                         "interview_count", "child", "referral", "incident", "contacts", "team", "psych",
                         "tasks", "actions"],
            "properties": {
                "id": integer, "number": string, "state": {"type": "string", "enum": list(cases_definition.STATE_NAMES)},
                "state_label": string, "version": integer, "definition_version": integer, "suspended": boolean,
                "suspend_reason": nullable_string, "interview_count": integer,
                "created_at": datetime_utc, "updated_at": datetime_utc,
                "centre": {"type": "object", "properties": {"id": integer, "name": string}},
                "child": {"type": "object", "properties": {"name": string, "sex": string,
                                                           "birth_date": {"type": "string", "format": "date"},
                                                           "age": integer}},
                "referral": {"type": "object", "properties": {"source": string, "detail": string}},
                "incident": {"type": "object", "properties": {
                    "number": string, "offence_type": string, "police_case_no": string, "court_case_no": string,
                    "occurred_on": nullable_string, "suspects": {"type": "array", "items": {"type": "object"}},
                    "other_cases": {"type": "array", "items": {"type": "object", "properties": {
                        "id": integer, "number": string}}}}},
                "consent": {"type": "object"},
                "contacts": {"type": "array", "items": _ref("Contact")},
                "team": {"type": "array", "items": {"type": "object", "properties": {
                    "role": string, "role_label": string, "user": _ref("UserRef"), "assigned_at": datetime_utc}}},
                "reinterview_requests": {"type": "array", "items": {"type": "object"}},
                "medical": {"type": ["object", "null"], "description": "only with see:medical"},
                "interviews": {"type": "array", "items": {"type": "object"}, "description": "only with see:interview"},
                "psych": {"type": "array", "items": {"type": "object"},
                          "description": "summaries for the team; private_notes and scales only with see:psych"},
                "aid_applications": {"type": "array", "items": _ref("AidSummary"), "description": "only with see:aid"},
                "referrals": {"type": "array", "items": {"type": "object"}, "description": "only with see:referrals"},
                "visits": {"type": "array", "items": {"type": "object"}, "description": "only with see:visits"},
                "restricted": {"type": "array", "items": {"type": "string",
                                                          "enum": list(cases_definition.COMPARTMENTS)}},
                "tasks": {"type": "array", "items": _ref("Task")},
                "actions": {"type": "array", "items": _ref("Action")},
            },
        },
        "CaseCreate": create_schema,
        "AidSummary": {"type": "object", "required": ["id", "number", "state", "version"],
                       "properties": {"id": integer, "number": string,
                                      "state": {"type": "string", "enum": list(aid_definition.AID.state_names)},
                                      "state_label": string, "version": integer, "emergency": boolean,
                                      "approved_fen": {"type": ["integer", "null"]}, "paid_fen": integer,
                                      "flagged_at": datetime_utc}},
        "AidApplication": {
            "type": "object", "required": ["id", "number", "state", "version", "case", "agency", "actions"],
            "description": "Amounts are integer fen (1 yuan = 100 fen). Finances, proposal, decision and "
                           "ledger only with see:aid; an entrusted verifier gets `restricted: [aid]`.",
            "properties": {"id": integer, "number": string,
                           "state": {"type": "string", "enum": list(aid_definition.AID.state_names)},
                           "state_label": string, "version": integer, "definition_version": integer,
                           "emergency": boolean, "approved_fen": {"type": ["integer", "null"]},
                           "paid_fen": integer, "recovered_fen": integer, "flagged_at": datetime_utc,
                           "case": {"type": "object"}, "agency": {"type": "object"}, "applicant": {"type": "object"},
                           "officer": _ref("UserRef"), "grounds": {"type": "array", "items": string},
                           "flag_note": string, "requested_fen": {"type": ["integer", "null"]},
                           "documents": {"type": "array", "items": string}, "statement": string,
                           "refusal_grounds": {"type": "array", "items": string},
                           "finances": {"type": "object"}, "proposal": {"type": "object"},
                           "decision": {"type": "object"}, "verifications": {"type": "array", "items": {"type": "object"}},
                           "ledger": {"type": "array", "items": {"type": "object"}},
                           "tasks": {"type": "array", "items": _ref("Task")},
                           "actions": {"type": "array", "items": _ref("Action")},
                           "restricted": {"type": "array", "items": string}}},
        "ActionRequest": {"type": "object", "required": ["version"],
                          "properties": {"version": {"type": "integer", "description": "the case version you read"},
                                         "data": {"type": "object", "description": "the trigger's fields; see "
                                                  "ActionData_<trigger> (x-data-schemas on the operation)"}}},
        **data_schemas,
    }
    case_id = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    aid_id = {"name": "application_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    bearer = [{"bearerAuth": []}]
    paths = {
        "/tokens": {"post": {
            "operationId": "issueToken", "summary": "Exchange credentials for a Bearer token", "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TokenRequest")}}},
            "responses": {"201": _json(_ref("Token"), "Token issued"), **_errors(400, 401, 422)}}},
        "/workflow": {"get": {
            "operationId": "getWorkflow", "summary": "The process definition", "security": bearer,
            "responses": {"200": _json(_ref("Workflow"), "States and transitions"), **_errors(401)}}},
        "/cases": {
            "get": {"operationId": "listCases", "summary": "Cases the caller may open", "security": bearer,
                    "parameters": [
                        {"name": "q", "in": "query", "schema": string,
                         "description": "child name, case, incident or police number, ID number"},
                        {"name": "state", "in": "query",
                         "schema": {"type": "string", "enum": list(cases_definition.STATE_NAMES)}},
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                        {"name": "per_page", "in": "query",
                         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}}],
                    "responses": {"200": _json(_ref("CaseList"), "A page of case summaries"),
                                  **_errors(400, 401, 403)}},
            "post": {"operationId": "createCase", "summary": "Create a referral (the create trigger)",
                     "security": bearer,
                     "requestBody": {"required": True,
                                     "content": {"application/json": {"schema": _ref("CaseCreate")}}},
                     "responses": {"201": _json(_ref("Case"), "The new case"), **_errors(400, 401, 403, 409, 422)}}},
        "/cases/{case_id}": {"get": {
            "operationId": "getCase", "summary": "The case as the caller may see it, with its actions",
            "security": bearer, "parameters": [case_id],
            "responses": {"200": _json(_ref("Case"), "The case"), **_errors(401, 404)}}},
        "/cases/{case_id}/actions/{trigger}": {"post": {
            "operationId": "fireTrigger", "summary": "Fire a trigger on the case", "security": bearer,
            "parameters": [case_id, {"name": "trigger", "in": "path", "required": True,
                                     "schema": {"type": "string", "enum": triggers}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ActionRequest")}}},
            "x-data-schemas": {t: _ref(f"ActionData_{t}") for t in triggers},
            "responses": {"200": _json(_ref("Case"), "The case after the transition"),
                          **_errors(400, 401, 403, 404, 409, 422)}}},
        "/cases/{case_id}/aid": {"post": {
            "operationId": "flagAid", "summary": "Flag the case for judicial aid: opens an aid application",
            "security": bearer, "parameters": [case_id],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["version"],
                "properties": {"version": {"type": "integer", "description": "the case version you read"},
                               "data": _ref("ActionData_flag_aid")}}}}},
            "responses": {"201": _json(_ref("AidApplication"), "The new aid application"),
                          **_errors(400, 401, 403, 404, 409, 422)}}},
        "/aid/{application_id}": {"get": {
            "operationId": "getAid", "summary": "The aid application as the caller may see it, with its actions",
            "security": bearer, "parameters": [aid_id],
            "responses": {"200": _json(_ref("AidApplication"), "The aid application"), **_errors(401, 404)}}},
        "/aid/{application_id}/actions/{trigger}": {"post": {
            "operationId": "fireAidTrigger", "summary": "Fire a trigger on the aid application", "security": bearer,
            "parameters": [aid_id, {"name": "trigger", "in": "path", "required": True,
                                    "schema": {"type": "string", "enum": aid_triggers}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ActionRequest")}}},
            "x-data-schemas": {t: _ref(f"AidActionData_{t}") for t in aid_triggers},
            "responses": {"200": _json(_ref("AidApplication"), "The application after the transition"),
                          **_errors(400, 401, 403, 404, 409, 422)}}},
        "/tasks": {"get": {
            "operationId": "listTasks", "summary": "Open tasks, earliest due first", "security": bearer,
            "parameters": [{"name": "scope", "in": "query",
                            "schema": {"type": "string", "enum": list(task_service.SCOPES), "default": "mine"}}],
            "responses": {"200": _json(_ref("TaskList"), "Tasks"), **_errors(400, 401, 403)}}},
        "/notifications": {"get": {
            "operationId": "listNotifications", "summary": "My clock notifications, newest first",
            "security": bearer,
            "parameters": [{"name": "unread", "in": "query", "schema": {"type": "string", "enum": ["1", "0"]}},
                           {"name": "limit", "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}}],
            "responses": {"200": _json(_ref("NotificationList"), "Notifications"), **_errors(400, 401)}}},
        "/notifications/{notification_id}/read": {"post": {
            "operationId": "readNotification", "summary": "Mark one of my notifications read",
            "security": bearer,
            "parameters": [{"name": "notification_id", "in": "path", "required": True, "schema": integer}],
            "responses": {"200": _json(_ref("Notification"), "The notification"), **_errors(401, 404)}}},
        "/notifications/read": {"post": {
            "operationId": "readAllNotifications", "summary": "Mark all my notifications read",
            "security": bearer,
            "responses": {"200": _json({"type": "object", "properties": {"marked": integer}}, "How many"),
                          **_errors(401)}}},
        "/openapi.json": {"get": {
            "operationId": "getOpenApi", "summary": "This document", "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1 document",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    }
    document_schemas, document_paths = documents_api.openapi_part()
    schemas.update(document_schemas)
    paths.update(document_paths)
    registry_schemas, registry_paths = registry_api.openapi_part()
    schemas.update(registry_schemas)
    schemas["Job"]["properties"].update(registry_api.JOB_PROPERTIES)
    paths.update(registry_paths)
    return {
        "openapi": "3.1.0",
        "info": {"title": "OneStop API", "version": f"1 (workflow definition {cases_definition.VERSION})",
                 "description": "Case workflow of the one-stop centre. Errors are "
                                "{error, message[, fields]}; every case-changing request carries the "
                                "case version it read."},
        "servers": [{"url": request.script_root + bp.url_prefix}],
        "security": bearer,
        "paths": paths,
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
                       "schemas": schemas},
    }


# The document and job endpoints live with the documents, the register's with the register;
# importing them registers their routes.
from workflow.documents import api as documents_api  # noqa: E402
from workflow.registry import api as registry_api  # noqa: E402
