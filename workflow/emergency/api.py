"""Break-the-glass in the JSON API: `POST /emergency-access` {case, reason} opens a case of the
caller's centre for reading (201 with the grant; then `GET /cases/{id}` answers while it lasts). The
refusals are the page's: 403 without a team role, 404 for an unknown number and for another
centre's case alike, 409 when the caller reads the case already, 422 without a reason."""
from __future__ import annotations

from flask import g, jsonify, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from forms.emergency import BreakGlassForm
from workflow.core.access import require
from workflow.core.api import bp, error_responses, json_content, json_object, ref
from workflow.core.errors import Invalid
from workflow.core.serializers import utc
from workflow.emergency import operations
from workflow.emergency.labels import EMERGENCY_REASON_MIN_LENGTH, EMERGENCY_REVIEW_STATES
from workflow.emergency.models import EmergencyAccess

FIELDS = ("case", "reason")


def grant_json(grant: EmergencyAccess) -> dict:
    """The caller's grant (never the reason back: it is sealed for the reviewers)."""
    return {"id": grant.id, "case_id": grant.case_id, "case_number": grant.case.number, "roles": list(grant.roles),
            "started_at": utc(grant.started_at), "expires_at": utc(grant.expires_at),
            "review_state": grant.review_state, "case_url": url_for("api.get_case", case_id=grant.case_id)}


@bp.post("/emergency-access")
def break_glass():
    require(g.api_user, "break_glass")
    body = json_object()
    errors = {str(key): [_("Unknown field.")] for key in body if key not in FIELDS}
    values = MultiDict()
    for key in FIELDS:
        value = body.get(key)
        if isinstance(value, bool) or not isinstance(value, (str, int, type(None))):
            errors[key] = [_("Must be a string.")]
        elif value is not None:
            values[key] = str(value)
    form = BreakGlassForm(formdata=values, meta={"csrf": False})
    if errors:
        form.validate()
        raise Invalid(_("The submitted data is not valid."), {**{k: list(map(str, v)) for k, v in form.errors.items()},
                                                             **errors})
    grant = operations.break_glass(g.api_user, form)
    response = jsonify(grant_json(grant))
    response.status_code = 201
    return response


def openapi_part() -> tuple[dict, dict]:
    """Schemas and paths of these endpoints, for `workflow.openapi.openapi_document`."""
    integer, string = {"type": "integer"}, {"type": "string"}
    dt = {"type": ["string", "null"], "format": "date-time"}
    schemas = {
        "EmergencyAccessRequest": {"type": "object", "required": ["case", "reason"], "properties": {
            "case": {"type": ["string", "integer"], "description": "the case number (C2026-0007) or id"},
            "reason": {"type": "string", "minLength": EMERGENCY_REASON_MIN_LENGTH, "maxLength": 2000}}},
        "EmergencyAccess": {"type": "object", "required": ["id", "case_id", "started_at", "expires_at"], "properties": {
            "id": integer, "case_id": integer, "case_number": string, "roles": {"type": "array", "items": string},
            "started_at": dt, "expires_at": dt,
            "review_state": {"type": "string", "enum": list(EMERGENCY_REVIEW_STATES)},
            "case_url": string}},
    }
    paths = {
        "/emergency-access": {"post": {
            "operationId": "breakTheGlass",
            "summary": "Open a case of my centre in an emergency (read only, for break_glass_minutes; supervisors "
                       "are notified)",
            "security": [{"bearerAuth": []}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": ref("EmergencyAccessRequest")}}},
            "responses": {"201": json_content(ref("EmergencyAccess"), "The grant"),
                          **error_responses(400, 401, 403, 404, 409, 422)}}},
    }
    return schemas, paths
