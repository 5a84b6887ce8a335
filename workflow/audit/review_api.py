"""The review of bulk reading in the JSON API: `GET /suspended-accounts` (suspended and recently
warned accounts the caller reviews) and `POST /suspended-accounts/{user_id}/release` {note}."""
from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from forms.bulk_reads import ReleaseForm
from workflow.audit import detection
from workflow.core.api import bp, error_responses, json_content, json_object, ref
from workflow.core.errors import Invalid
from workflow.core.serializers import user_ref, utc


def account_json(account, counts: dict | None = None) -> dict:
    return {"user": user_ref(account), "agency": account.agency.name,
            "suspended_at": utc(account.reads_suspended_at), "counts": counts,
            "alerted_at": utc(account.reads_alerted_at), "released_at": utc(account.reads_released_at)}


@bp.get("/suspended-accounts")
def suspended_accounts():
    listing = detection.review_list(g.api_user)
    return jsonify(suspended=[account_json(a, listing.counts.get(a.id)) for a in listing.suspended],
                   warned=[account_json(a) for a in listing.warned])


@bp.post("/suspended-accounts/<int:user_id>/release")
def release_reads(user_id: int):
    body = json_object()
    note = body.get("note")
    errors = {str(key): [_("Unknown field.")] for key in body if key != "note"}
    if note is not None and not isinstance(note, str):
        errors["note"] = [_("Must be a string.")]
    form = ReleaseForm(formdata=MultiDict({"note": note} if isinstance(note, str) else {}), meta={"csrf": False})
    if errors:
        form.validate()
        raise Invalid(_("The submitted data is not valid."), {**{k: list(map(str, v)) for k, v in form.errors.items()},
                                                             **errors})
    return jsonify(account_json(detection.release(g.api_user, user_id, form)))


def openapi_part() -> tuple[dict, dict]:
    """Schemas and paths of these endpoints, for `workflow.openapi.openapi_document`."""
    integer, dt = {"type": "integer"}, {"type": ["string", "null"], "format": "date-time"}
    counts = {"type": ["object", "null"], "description": "what the account read in the window that suspended it",
              "properties": {name: integer for name in (*detection.COUNTS, "total", "window_minutes", "threshold")}}
    schemas = {
        "SuspendedAccount": {"type": "object", "required": ["user", "agency", "suspended_at", "counts"], "properties": {
            "user": ref("UserRef"), "agency": {"type": "string"}, "suspended_at": dt, "counts": counts,
            "alerted_at": {**dt, "description": "the last warning about its reading"},
            "released_at": {**dt, "description": "the last release (reads before it no longer count)"}}},
        "SuspendedAccountList": {"type": "object", "properties": {
            "suspended": {"type": "array", "items": ref("SuspendedAccount")},
            "warned": {"type": "array", "items": ref("SuspendedAccount"),
                       "description": "warned about in the last day, not suspended"}}},
        "ReleaseRequest": {"type": "object", "required": ["note"],
                           "properties": {"note": {"type": "string", "minLength": 1, "maxLength": 2000}}},
    }
    bearer = [{"bearerAuth": []}]
    paths = {
        "/suspended-accounts": {"get": {
            "operationId": "listSuspendedAccounts", "security": bearer,
            "summary": "Accounts whose reading is suspended (bulk reading), and those warned about in the last day: "
                       "of the caller's agency for a supervisor, of every agency for an auditor",
            "responses": {"200": json_content(ref("SuspendedAccountList"), "The accounts"),
                          **error_responses(401, 403)}}},
        "/suspended-accounts/{user_id}/release": {"post": {
            "operationId": "releaseReads", "security": bearer,
            "summary": "Lift an account's suspension, with a note (a supervisor of its agency; an auditor where it "
                       "has none); recorded in the audit trail and the admin log",
            "parameters": [{"name": "user_id", "in": "path", "required": True, "schema": integer}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("ReleaseRequest")}}},
            "responses": {"200": json_content(ref("SuspendedAccount"), "The account, released"),
                          **error_responses(400, 401, 403, 404, 422),
                          "409": json_content(ref("Error"), "Not suspended (`not_suspended`)")}}},
    }
    return schemas, paths
