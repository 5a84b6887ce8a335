"""The audit trail in the JSON API: `GET /audit/records` with the auditors' page's filters, paged
like every list (auditors only: 403 for anyone else; 400 naming each bad filter)."""
from __future__ import annotations

from flask import g, jsonify, request

from workflow.audit import queries
from workflow.audit.labels import AUDIT_OUTCOMES, audit_action_label
from workflow.audit.models import KINDS
from workflow.core.access import require
from workflow.core.api import MAX_PER_PAGE, bp, error_responses, int_arg, json_content, ref
from workflow.core.serializers import user_ref, utc


def record_json(row: queries.Row) -> dict:
    r = row.record
    user = {"id": r.user_id, "username": row.username, "name": row.user_name} if r.user_id is not None else None
    case = {"id": r.case_id, "number": row.case_number} if r.case_id is not None else None
    return {"id": r.id, "at": utc(r.at), "user": user, "session_ref": r.session_ref, "address": r.address,
            "action": r.action, "action_label": str(audit_action_label(r.action)), "kind": r.kind,
            "object_type": r.object_type, "object_ids": list(r.object_ids), "case": case, "outcome": r.outcome,
            "break_glass": row.break_glass, "details": r.details}


def reader_json(reader: queries.CaseReader) -> dict:
    return {"user": user_ref(reader.user), "roles": sorted(reader.user.roles), "first_at": utc(reader.first_at),
            "last_at": utc(reader.last_at), "count": reader.count, "break_glass": reader.break_glass}


@bp.get("/audit/records")
def audit_records():
    require(g.api_user, "audit_view")  # 403 before any filter is looked at
    filters = queries.parse_filters(request.args)
    page = int_arg("page", 1)
    per_page = int_arg("per_page", queries.PER_PAGE, maximum=MAX_PER_PAGE)
    result = queries.search(g.api_user, filters, page, per_page)
    return jsonify(records=[record_json(row) for row in result.rows], page=result.page, per_page=result.per_page,
                   total=result.total, pages=result.pages)


def openapi_part() -> tuple[dict, dict]:
    """Schemas and paths of these endpoints, for `workflow.openapi.openapi_document`."""
    integer, string = {"type": "integer"}, {"type": "string"}
    when = {"type": "string", "description": "a date (a whole day in the centre's time zone) or an ISO 8601 "
                                             "date-time (UTC unless it has an offset)"}
    schemas = {
        "AuditRecord": {"type": "object", "required": ["id", "at", "user", "action", "kind", "outcome", "break_glass"],
                        "properties": {
                            "id": integer, "at": {"type": "string", "format": "date-time"},
                            "user": {"type": ["object", "null"],
                                     "properties": {"id": integer, "username": {"type": ["string", "null"]},
                                                    "name": {"type": ["string", "null"]}}},
                            "session_ref": {"type": "string", "description": "s:<session id> or t:<API token id>"},
                            "address": string, "action": {"type": "string", "description": "the endpoint"},
                            "action_label": string, "kind": {"type": "string", "enum": list(KINDS)},
                            "object_type": {"type": ["string", "null"]},
                            "object_ids": {"type": "array", "items": integer},
                            "case": {"type": ["object", "null"],
                                     "properties": {"id": integer, "number": {"type": ["string", "null"]}}},
                            "outcome": {"type": "string", "description": "allowed, or the HTTP status of a refusal"},
                            "break_glass": {"type": "boolean", "description": "breaking the glass, or a request "
                                            "about the case while the user's emergency access lasted"},
                            "details": {"type": "object", "description": "counts of exports, keyed hashes of "
                                        "searches (never the typed text), hashes of history entries"}}},
        "AuditRecordList": {"type": "object", "required": ["records", "page", "per_page", "total", "pages"],
                            "properties": {"records": {"type": "array", "items": ref("AuditRecord")},
                                           "page": integer, "per_page": integer, "total": integer, "pages": integer}},
        "CaseReader": {"type": "object", "required": ["user", "first_at", "last_at", "count", "break_glass"],
                       "properties": {"user": ref("UserRef"), "roles": {"type": "array", "items": string},
                                      "first_at": {"type": "string", "format": "date-time"},
                                      "last_at": {"type": "string", "format": "date-time"}, "count": integer,
                                      "break_glass": {"type": "integer",
                                                      "description": "emergency accesses to the case"}}},
    }
    parameters = [
        {"name": "user", "in": "query", "schema": string, "description": "username"},
        {"name": "case", "in": "query", "schema": string, "description": "case number or id"},
        {"name": "since", "in": "query", "schema": when, "description": "from (inclusive)"},
        {"name": "until", "in": "query", "schema": when, "description": "to (a date: that day included)"},
        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(KINDS)}},
        {"name": "action", "in": "query", "schema": string,
         "description": "an endpoint (cases.show); ending in a dot, every endpoint it begins (api.)"},
        {"name": "outcome", "in": "query", "schema": {"type": "string", "enum": list(AUDIT_OUTCOMES)},
         "description": "refused: any outcome but allowed"},
        {"name": "break_glass", "in": "query", "schema": {"type": "string", "enum": ["1", "0", "true", "false"]}},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
    ]
    paths = {
        "/audit/records": {"get": {
            "operationId": "listAuditRecords", "summary": "Search the audit trail, newest first (auditors)",
            "security": [{"bearerAuth": []}], "parameters": parameters,
            "responses": {"200": json_content(ref("AuditRecordList"), "A page of audit records"),
                          **error_responses(400, 401, 403, 404)}}},
    }
    return schemas, paths
