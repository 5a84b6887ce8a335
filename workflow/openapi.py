"""The OpenAPI 3.1 document of the JSON API, generated from the process definitions and the
trigger forms, with the parts the documents and the register contribute. It describes every
feature, so it sits with the app factory above them."""
from __future__ import annotations

from flask import jsonify, request

from workflow.aid import definition as aid_definition
from workflow.audit import api as audit_api
from workflow.audit import review_api as audit_review_api
from workflow.audit.trail import public
from workflow.cases import definition as cases_definition
from workflow.cases import states
from workflow.core import serializers
from workflow.core.api import MAX_PER_PAGE, bp, error_responses, json_content, ref
from workflow.documents import api as documents_api
from workflow.emergency import api as emergency_api
from workflow.inbox import tasks as task_service
from workflow.inbox.models import NOTIFICATION_KINDS
from workflow.registry import api as registry_api


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document())


def openapi_document() -> dict:
    """OpenAPI 3.1, generated from the process definition and the trigger forms."""
    string, integer, boolean = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
    nullable_string = {"type": ["string", "null"]}
    datetime_utc = {"type": ["string", "null"], "format": "date-time"}
    triggers = [t.trigger for t in cases_definition.TRANSITIONS]
    data_schemas = {f"ActionData_{t.trigger}": serializers.form_schema(serializers.blank_form(t))
                    for t in cases_definition.TRANSITIONS}
    aid_triggers = [t.trigger for t in aid_definition.AID.transitions if not t.automatic]
    data_schemas.update({f"AidActionData_{t}": serializers.form_schema(serializers.blank_form(
        aid_definition.AID.by_trigger[t])) for t in aid_triggers})
    create_schema = serializers.form_schema(serializers.blank_form(cases_definition.CREATE))
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
        "TokenRequest": {"type": "object", "required": ["username", "password", "otp"],
                         "properties": {"username": string, "password": string,
                                        "otp": {"type": "string", "description": "the authenticator app's current "
                                                "code, or a recovery code (each accepted once)"}}},
        "Token": {"type": "object", "required": ["token", "id", "expires_at"],
                  "properties": {"token": string, "token_type": {"const": "Bearer"}, "id": {"type": "integer"},
                                 "expires_at": {"type": "string", "format": "date-time"}}},
        "TokenList": {"type": "object", "required": ["tokens"], "properties": {"tokens": {
            "type": "array", "items": {"type": "object", "required": ["id", "created_at", "expires_at", "current"],
                                       "properties": {"id": {"type": "integer"},
                                                      "created_at": {"type": "string", "format": "date-time"},
                                                      "expires_at": {"type": "string", "format": "date-time"},
                                                      "current": {"type": "boolean"}}}}}},
        "State": {"type": "object", "required": ["name", "label", "terminal"],
                  "properties": {"name": {"type": "string", "enum": list(states.STATE_NAMES)},
                                 "label": string, "terminal": boolean,
                                 "tasks": {"type": "array", "items": {"type": "object"}}}},
        "Transition": transition_schema,
        "Workflow": {"type": "object", "required": ["version", "states", "transitions", "initial", "create"],
                     "properties": {"version": integer, "initial": string,
                                    "states": {"type": "array", "items": ref("State")},
                                    "transitions": {"type": "array", "items": ref("Transition")},
                                    "create": ref("Transition"),
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
                                "role": string, "title": string, "assignee": ref("UserRef"),
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
                         "description": "a clock notification (with its task) or a notice about a case "
                                        "(`task` null; `case` and `actor` say who broke the glass where)",
                         "properties": {"id": integer,
                                        "kind": {"type": "string", "enum": list(NOTIFICATION_KINDS)},
                                        "label": string,
                                        "task": {"type": ["object", "null"], "properties": {
                                            "id": integer, "title": string, "case_id": integer,
                                            "case_number": string,
                                            "aid_application_id": {"type": ["integer", "null"]},
                                            "closed": boolean}},
                                        "case": {"type": ["object", "null"],
                                                 "properties": {"id": integer, "number": string}},
                                        "actor": {"type": ["object", "null"],
                                                  "properties": {"id": integer, "full_name": string}},
                                        "details": {"type": ["object", "null"],
                                                    "description": "a notice about an account (`actor`): what "
                                                                   "it read in the window (bulk reading)"},
                                        "task_due_at": datetime_utc, "created_at": datetime_utc,
                                        "read_at": datetime_utc}},
        "NotificationList": {"type": "object",
                             "properties": {"unread": integer,
                                            "notifications": {"type": "array", "items": ref("Notification")}}},
        "TaskList": {"type": "object", "properties": {"scope": string,
                                                      "tasks": {"type": "array", "items": ref("Task")}}},
        "CaseSummary": {"type": "object", "required": ["id", "number", "state", "version"],
                        "properties": {"id": integer, "number": string,
                                       "state": {"type": "string", "enum": list(states.STATE_NAMES)},
                                       "state_label": string, "version": integer, "suspended": boolean,
                                       "child_name": string, "child_sex": string, "incident_number": string,
                                       "offence_type": string, "created_at": datetime_utc,
                                       "updated_at": datetime_utc}},
        "CaseList": {"type": "object",
                     "properties": {"cases": {"type": "array", "items": ref("CaseSummary")}, "page": integer,
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
                "id": integer, "number": string, "state": {"type": "string", "enum": list(states.STATE_NAMES)},
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
                "contacts": {"type": "array", "items": ref("Contact")},
                "team": {"type": "array", "items": {"type": "object", "properties": {
                    "role": string, "role_label": string, "user": ref("UserRef"), "assigned_at": datetime_utc}}},
                "reinterview_requests": {"type": "array", "items": {"type": "object"}},
                "medical": {"type": ["object", "null"], "description": "only with see:medical"},
                "interviews": {"type": "array", "items": {"type": "object"}, "description": "only with see:interview"},
                "psych": {"type": "array", "items": {"type": "object"},
                          "description": "summaries for the team; private_notes and scales only with see:psych"},
                "aid_applications": {"type": "array", "items": ref("AidSummary"), "description": "only with see:aid"},
                "referrals": {"type": "array", "items": {"type": "object"}, "description": "only with see:referrals"},
                "visits": {"type": "array", "items": {"type": "object"}, "description": "only with see:visits"},
                "restricted": {"type": "array", "items": {"type": "string",
                                                          "enum": list(cases_definition.COMPARTMENTS)}},
                "tasks": {"type": "array", "items": ref("Task")},
                "actions": {"type": "array", "items": ref("Action")},
                "readers": {"type": "array", "items": ref("CaseReader"),
                            "description": "who has opened the child's file (the centre's supervisors only)"},
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
                           "officer": ref("UserRef"), "grounds": {"type": "array", "items": string},
                           "flag_note": string, "requested_fen": {"type": ["integer", "null"]},
                           "documents": {"type": "array", "items": string}, "statement": string,
                           "refusal_grounds": {"type": "array", "items": string},
                           "finances": {"type": "object"}, "proposal": {"type": "object"},
                           "decision": {"type": "object"}, "verifications": {"type": "array", "items": {"type": "object"}},
                           "ledger": {"type": "array", "items": {"type": "object"}},
                           "tasks": {"type": "array", "items": ref("Task")},
                           "actions": {"type": "array", "items": ref("Action")},
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
        "/tokens": {
            "post": {"operationId": "issueToken", "summary": "Exchange password and second-factor code for a Bearer token",
                     "security": [],
                     "requestBody": {"required": True,
                                     "content": {"application/json": {"schema": ref("TokenRequest")}}},
                     "responses": {"201": json_content(ref("Token"), "Token issued"),
                                   **error_responses(400, 401, 422, 423, 429)}},
            "get": {"operationId": "listTokens", "summary": "My live API tokens", "security": bearer,
                    "responses": {"200": json_content(ref("TokenList"), "The caller's tokens"),
                                  **error_responses(401)}}},
        "/tokens/current": {"delete": {
            "operationId": "revokeCurrentToken", "summary": "Revoke the token of this call", "security": bearer,
            "responses": {"204": {"description": "Revoked"}, **error_responses(401)}}},
        "/tokens/{token_id}": {"delete": {
            "operationId": "revokeToken", "summary": "Revoke one of my tokens", "security": bearer,
            "parameters": [{"name": "token_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"204": {"description": "Revoked"}, **error_responses(401, 404)}}},
        "/workflow": {"get": {
            "operationId": "getWorkflow", "summary": "The process definition", "security": bearer,
            "responses": {"200": json_content(ref("Workflow"), "States and transitions"), **error_responses(401)}}},
        "/cases": {
            "get": {"operationId": "listCases", "summary": "Cases the caller may open", "security": bearer,
                    "parameters": [
                        {"name": "q", "in": "query", "schema": string,
                         "description": "child name, case, incident or police number, ID number"},
                        {"name": "state", "in": "query",
                         "schema": {"type": "string", "enum": list(states.STATE_NAMES)}},
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                        {"name": "per_page", "in": "query",
                         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}}],
                    "responses": {"200": json_content(ref("CaseList"), "A page of case summaries"),
                                  **error_responses(400, 401, 403, 404)}},
            "post": {"operationId": "createCase", "summary": "Create a referral (the create trigger)",
                     "security": bearer,
                     "requestBody": {"required": True,
                                     "content": {"application/json": {"schema": ref("CaseCreate")}}},
                     "responses": {"201": json_content(ref("Case"), "The new case"),
                                   **error_responses(400, 401, 403, 409, 422)}}},
        "/cases/{case_id}": {"get": {
            "operationId": "getCase", "summary": "The case as the caller may see it, with its actions",
            "security": bearer, "parameters": [case_id],
            "responses": {"200": json_content(ref("Case"), "The case"), **error_responses(401, 404)}}},
        "/cases/{case_id}/actions/{trigger}": {"post": {
            "operationId": "fireTrigger", "summary": "Fire a trigger on the case", "security": bearer,
            "parameters": [case_id, {"name": "trigger", "in": "path", "required": True,
                                     "schema": {"type": "string", "enum": triggers}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("ActionRequest")}}},
            "x-data-schemas": {t: ref(f"ActionData_{t}") for t in triggers},
            "responses": {"200": json_content(ref("Case"), "The case after the transition"),
                          **error_responses(400, 401, 403, 404, 409, 422)}}},
        "/cases/{case_id}/aid": {"post": {
            "operationId": "flagAid", "summary": "Flag the case for judicial aid: opens an aid application",
            "security": bearer, "parameters": [case_id],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["version"],
                "properties": {"version": {"type": "integer", "description": "the case version you read"},
                               "data": ref("ActionData_flag_aid")}}}}},
            "responses": {"201": json_content(ref("AidApplication"), "The new aid application"),
                          **error_responses(400, 401, 403, 404, 409, 422)}}},
        "/aid/{application_id}": {"get": {
            "operationId": "getAid", "summary": "The aid application as the caller may see it, with its actions",
            "security": bearer, "parameters": [aid_id],
            "responses": {"200": json_content(ref("AidApplication"), "The aid application"),
                          **error_responses(401, 404)}}},
        "/aid/{application_id}/actions/{trigger}": {"post": {
            "operationId": "fireAidTrigger", "summary": "Fire a trigger on the aid application", "security": bearer,
            "parameters": [aid_id, {"name": "trigger", "in": "path", "required": True,
                                    "schema": {"type": "string", "enum": aid_triggers}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("ActionRequest")}}},
            "x-data-schemas": {t: ref(f"AidActionData_{t}") for t in aid_triggers},
            "responses": {"200": json_content(ref("AidApplication"), "The application after the transition"),
                          **error_responses(400, 401, 403, 404, 409, 422)}}},
        "/tasks": {"get": {
            "operationId": "listTasks", "summary": "Open tasks, earliest due first", "security": bearer,
            "parameters": [{"name": "scope", "in": "query",
                            "schema": {"type": "string", "enum": list(task_service.SCOPES), "default": "mine"}}],
            "responses": {"200": json_content(ref("TaskList"), "Tasks"), **error_responses(400, 401, 403)}}},
        "/notifications": {"get": {
            "operationId": "listNotifications",
            "summary": "My clock notifications and notices about cases, newest first",
            "security": bearer,
            "parameters": [{"name": "unread", "in": "query", "schema": {"type": "string", "enum": ["1", "0"]}},
                           {"name": "limit", "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}}],
            "responses": {"200": json_content(ref("NotificationList"), "Notifications"), **error_responses(400, 401)}}},
        "/notifications/{notification_id}/read": {"post": {
            "operationId": "readNotification", "summary": "Mark one of my notifications read",
            "security": bearer,
            "parameters": [{"name": "notification_id", "in": "path", "required": True, "schema": integer}],
            "responses": {"200": json_content(ref("Notification"), "The notification"), **error_responses(401, 404)}}},
        "/notifications/read": {"post": {
            "operationId": "readAllNotifications", "summary": "Mark all my notifications read",
            "security": bearer,
            "responses": {"200": json_content({"type": "object", "properties": {"marked": integer}}, "How many"),
                          **error_responses(401)}}},
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
    emergency_schemas, emergency_paths = emergency_api.openapi_part()
    schemas.update(emergency_schemas)
    paths.update(emergency_paths)
    audit_schemas, audit_paths = audit_api.openapi_part()
    schemas.update(audit_schemas)
    paths.update(audit_paths)
    review_schemas, review_paths = audit_review_api.openapi_part()
    schemas.update(review_schemas)
    paths.update(review_paths)
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
