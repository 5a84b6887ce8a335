"""Register endpoints of the JSON API (routes on `workflow.core.api.bp`, same errors and tokens): an
employer's single inquiries, their result notices and re-checks, and batch screening.

An employer learns `record`, `no_record` or `pending_review` (a name + birth-date match that a
maintainer decides) and nothing else: no response carries an entry's category, source or id.
Batches run as jobs: POST answers 202 with the job, `GET /jobs/{id}` reports progress and, once
done, the counts and the result CSV's url.
"""
from __future__ import annotations

import datetime as dt
import re

from flask import Response, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _

from workflow.core import identity as core_identity
from workflow.core.access import require
from workflow.core.api import MAX_PER_PAGE, bp, error_response, int_arg, json_content, json_object, ref
from workflow.core.errors import Invalid, WorkflowError
from workflow.core.models import MAX_ID
from workflow.core.serializers import utc
from workflow.documents.api import job_accepted
from workflow.registry import identity as registry_identity
from workflow.registry import operations, screening
from workflow.registry.models import ID_TYPES, INQUIRY_RESULTS, RECHECK_STATUSES, RegistryInquiry, RegistryRecheck

INQUIRY_FIELDS = ("name", "id_number", "consent", "id_type", "birth_date", "post")
RECHECK_FIELDS = ("reason",)
TRUE_VALUES = ("true", "1", "yes", "on")
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
RETRY_AFTER_SECONDS = 3600
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@bp.errorhandler(operations.RateLimited)
def _rate_limited(exc: operations.RateLimited):
    response = error_response(exc.status, exc.code, exc.message, exc.fields)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# --- serialisation ------------------------------------------------------------------------------

def recheck_json(recheck: RegistryRecheck) -> dict:
    """The employer's request and the maintainer's reply (never the record's content)."""
    return {"id": recheck.id, "inquiry_id": recheck.inquiry_id, "status": recheck.status, "reason": recheck.reason,
            "requested_at": utc(recheck.requested_at), "resolution": recheck.resolution or None,
            "resolved_at": utc(recheck.resolved_at)}


def _has_notice(inquiry: RegistryInquiry) -> bool:
    # Batch rows answered `no_record` keep no person: the result CSV is their answer.
    return inquiry.result != "pending_review" and inquiry.person is not None


def inquiry_json(inquiry: RegistryInquiry) -> dict:
    """What the employer may know of an inquiry: the person it asked about, the answer, the notice
    and any re-check. Never the entry behind a `record`."""
    person = operations.person_of(inquiry)
    return {
        "inquiry_id": inquiry.id, "number": operations.inquiry_number(inquiry), "result": inquiry.result,
        "asked_at": utc(inquiry.created_at), "reviewed_at": utc(inquiry.reviewed_at),
        "name": person["name"] if person else None, "id_type": person["id_type"] if person else None,
        "id_number_masked": core_identity.masked(person["id_number"]) if person else None,
        "post": inquiry.post, "job_id": inquiry.job_id, "row": inquiry.row_no,
        "notice_url": url_for("api.registry_notice", inquiry_id=inquiry.id) if _has_notice(inquiry) else None,
        "may_recheck": inquiry.result == "record" and inquiry.recheck is None,
        "recheck": recheck_json(inquiry.recheck) if inquiry.recheck is not None else None,
        "url": url_for("api.get_registry_inquiry", inquiry_id=inquiry.id),
    }


# --- request parsing ----------------------------------------------------------------------------

def _unknown_fields(body: dict, known: tuple[str, ...]) -> dict[str, list[str]]:
    return {str(key): [_("Unknown field.")] for key in body if key not in known}


def _strict_day(value) -> dt.date:
    """YYYY-MM-DD and nothing else; raises ValueError."""
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise ValueError(value)
    return dt.date.fromisoformat(value)


def _inquiry_data(body: dict) -> dict:
    """The inquiry's data from a JSON body; shape errors, a missing consent and the applicant's
    validation errors come back together as one 422 (so nothing is asked or logged)."""
    fields = _unknown_fields(body, INQUIRY_FIELDS)
    data: dict = {}
    for name in ("name", "id_number", "id_type", "post"):
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or "\x00" in value:
            fields[name] = [_("Must be a string.")]
        else:
            data[name] = value
    birth_date = body.get("birth_date")
    if birth_date is not None and birth_date != "":
        try:
            data["birth_date"] = _strict_day(birth_date)
        except ValueError:
            fields["birth_date"] = [_("Not a date (YYYY-MM-DD).")]
    if body.get("consent") is not True:
        fields["consent"] = [_("Confirm that you hold the person's written consent to this inquiry (consent: true).")]
    if fields:
        try:
            operations.applicant(data)
        except Invalid as exc:
            fields = {**exc.fields, **fields}
        raise Invalid(_("The inquiry is not valid; see the fields marked."), fields)
    return data


def _batch_upload() -> tuple[bytes, bool]:
    """The CSV and the consent: a text/csv body with ?consent=true, or multipart/form-data with
    the fields `file` and `consent`."""
    fields: dict[str, list[str]] = {}
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        content = upload.read() if upload is not None else b""
        if upload is None or not content:
            fields["file"] = [_("Attach the CSV file as the field \"file\".")]
        consent = request.form.get("consent", "").strip().lower() in TRUE_VALUES
    elif request.mimetype in CSV_TYPES:
        content = request.get_data(cache=False)
        if not content:
            fields["file"] = [_("The request body is empty; send the CSV file as the body.")]
        consent = request.args.get("consent", "").strip().lower() in TRUE_VALUES
    else:
        raise WorkflowError(_("Send the CSV as the body with Content-Type: text/csv, or as the field \"file\" "
                              "of multipart/form-data."), status=415, code="unsupported_media_type")
    if not consent:
        fields["consent"] = [_("Confirm that you hold the written consent of every person in the file "
                               "(consent=true).")]
    if fields:
        raise Invalid(_("The batch is not valid; see the fields marked."), fields)
    return content, consent


# --- endpoints ----------------------------------------------------------------------------------

@bp.post("/registry/inquiries")
def create_registry_inquiry():
    require(g.api_user, "registry_inquire")  # a 403 before any validation
    data = _inquiry_data(json_object())
    inquiry = operations.inquire(g.api_user, data, consent=True)
    response = jsonify(inquiry_json(inquiry))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_registry_inquiry", inquiry_id=inquiry.id)
    return response


@bp.get("/registry/inquiries")
def list_registry_inquiries():
    page = int_arg("page", 1)
    per_page = int_arg("per_page", current_app.config.get("REGISTRY_INQUIRIES_PER_PAGE", 50), maximum=MAX_PER_PAGE)
    job_id = int_arg("job_id", 0, maximum=MAX_ID) or None
    rows, total = operations.inquiries_of(g.api_user, page=page, per_page=per_page, job_id=job_id)
    return jsonify(inquiries=[inquiry_json(i) for i in rows], page=page, per_page=per_page, total=total,
                   pages=(total + per_page - 1) // per_page)


@bp.get("/registry/inquiries/<int:inquiry_id>")
def get_registry_inquiry(inquiry_id: int):
    return jsonify(inquiry_json(operations.get_inquiry(g.api_user, inquiry_id)))


@bp.get("/registry/inquiries/<int:inquiry_id>/notice")
def registry_notice(inquiry_id: int):
    inquiry = operations.get_inquiry(g.api_user, inquiry_id)
    document, content = operations.notice_for(g.api_user, inquiry.id)
    number = operations.inquiry_number(inquiry)
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=\"inquiry-notice-{number}.pdf\"",
                             "X-Content-SHA256": document.sha256, "Cache-Control": "no-store"})


@bp.post("/registry/inquiries/<int:inquiry_id>/recheck")
def request_registry_recheck(inquiry_id: int):
    inquiry = operations.get_inquiry(g.api_user, inquiry_id)
    body = json_object()
    fields = _unknown_fields(body, RECHECK_FIELDS)
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or "\x00" in reason):
        fields["reason"] = [_("Must be a string.")]
    if fields:
        raise Invalid(_("The submitted data is not valid."), fields)
    recheck = operations.request_recheck(g.api_user, inquiry.id, reason or "")
    response = jsonify(recheck_json(recheck))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_registry_inquiry", inquiry_id=inquiry.id)
    return response


@bp.post("/registry/inquiries/batch")
def submit_registry_batch():
    require(g.api_user, "registry_inquire")
    content, consent = _batch_upload()
    return job_accepted(screening.submit_batch(g.api_user, content, consent))


@bp.get("/registry/batches/<int:job_id>/result.csv")
def registry_batch_result(job_id: int):
    content = screening.result_csv(g.api_user, job_id)
    return Response(content, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=\"screening-{job_id}.csv\"",
                             "Cache-Control": "no-store"})


# --- OpenAPI ------------------------------------------------------------------------------------

# Merged into the Job schema of the documents' part: what a finished batch screening adds.
JOB_PROPERTIES = {
    "result_csv": {"type": "string", "description": "registry_batch jobs once done: the result CSV's url"},
    "counts": {"$ref": "#/components/schemas/RegistryBatchCounts"},
    "inquiries_url": {"type": "string", "description": "registry_batch jobs once done: the batch's inquiries"},
}


def _responses(*statuses: int) -> dict:
    text = {400: "Malformed request (not a JSON object, bad query parameter)",
            401: "Missing, invalid or expired Bearer token", 403: "Only an employer's HR staff make inquiries",
            404: "No such inquiry or job, or not the caller's (employers see only their own), or a page after the "
                 "last",
            409: "Wrong state: no record to re-check, re-check already requested, or the result is under "
                 "manual review (no notice yet)",
            415: "Unsupported Content-Type", 422: "Invalid data (see `fields`); nothing was asked or logged",
            429: "Rate limit reached; see the Retry-After header"}
    return {str(s): json_content(ref("Error"), text[s]) for s in statuses}


def openapi_part() -> tuple[dict, dict]:
    """Schemas and paths of these endpoints, for `workflow.openapi.openapi_document`."""
    integer, string, boolean = {"type": "integer"}, {"type": "string"}, {"type": "boolean"}
    nullable_int, nullable_string = {"type": ["integer", "null"]}, {"type": ["string", "null"]}
    dt_ = {"type": ["string", "null"], "format": "date-time"}
    result = {"type": "string", "enum": list(INQUIRY_RESULTS),
              "description": "pending_review: a name + birth-date match that a maintainer decides"}
    schemas = {
        "RegistryInquiryRequest": {
            "type": "object", "required": ["name", "id_number", "consent"], "additionalProperties": False,
            "properties": {
                "name": string, "id_number": string,
                "consent": {"const": True, "description": "you hold the person's written consent"},
                "id_type": {"type": "string", "enum": list(ID_TYPES), "default": registry_identity.RESIDENT_ID},
                "birth_date": {"type": "string", "format": "date",
                               "description": "YYYY-MM-DD; needed for documents other than a resident ID"},
                "post": {"type": "string", "maxLength": 120}}},
        "RegistryRecheck": {"type": "object", "required": ["id", "status"], "properties": {
            "id": integer, "inquiry_id": integer, "status": {"type": "string", "enum": list(RECHECK_STATUSES)},
            "reason": string, "requested_at": dt_,
            "resolution": {"type": ["string", "null"], "description": "the maintainer's reply"},
            "resolved_at": dt_}},
        "RegistryRecheckRequest": {"type": "object", "required": ["reason"], "additionalProperties": False,
                                   "properties": {"reason": {"type": "string", "maxLength": 2000}}},
        "RegistryInquiry": {
            "type": "object", "required": ["inquiry_id", "number", "result", "asked_at", "notice_url", "url"],
            "description": "The answer only: never the category, source or any other detail of an entry.",
            "properties": {
                "inquiry_id": integer, "number": string, "result": result, "asked_at": dt_, "reviewed_at": dt_,
                "name": nullable_string, "id_type": nullable_string,
                "id_number_masked": nullable_string, "post": string,
                "job_id": {"type": ["integer", "null"], "description": "the batch this row came from"},
                "row": nullable_int,
                "notice_url": {"type": ["string", "null"],
                               "description": "the result notice (PDF); null while pending_review"},
                "may_recheck": boolean,
                "recheck": {"oneOf": [ref("RegistryRecheck"), {"type": "null"}]},
                "url": string}},
        "RegistryInquiryList": {"type": "object", "properties": {
            "inquiries": {"type": "array", "items": ref("RegistryInquiry")}, "page": integer,
            "per_page": integer, "total": integer, "pages": integer}},
        "RegistryBatchCounts": {"type": "object", "description": "registry_batch jobs once done", "properties": {
            "rows": integer, "invalid": integer, "record": integer, "no_record": integer,
            "pending_review": integer}},
    }
    bearer = [{"bearerAuth": []}]
    inquiry_id = [{"name": "inquiry_id", "in": "path", "required": True, "schema": integer}]
    paths = {
        "/registry/inquiries": {
            "post": {"operationId": "createRegistryInquiry",
                     "summary": "Ask the register about one person (employer HR; consent required)",
                     "security": bearer,
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": ref("RegistryInquiryRequest")}}},
                     "responses": {"201": json_content(ref("RegistryInquiry"), "The answer (and Location)"),
                                   **_responses(400, 401, 403, 422, 429)}},
            "get": {"operationId": "listRegistryInquiries", "summary": "My employer's inquiries, newest first",
                    "security": bearer,
                    "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                                   {"name": "per_page", "in": "query",
                                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
                                   {"name": "job_id", "in": "query", "schema": integer,
                                    "description": "only the rows of this batch"}],
                    "responses": {"200": json_content(ref("RegistryInquiryList"), "A page of inquiries"),
                                  **_responses(400, 401, 403, 404)}}},
        "/registry/inquiries/{inquiry_id}": {"get": {
            "operationId": "getRegistryInquiry", "summary": "One of my employer's inquiries, with any re-check",
            "security": bearer, "parameters": inquiry_id,
            "responses": {"200": json_content(ref("RegistryInquiry"), "The inquiry"), **_responses(401, 404)}}},
        "/registry/inquiries/{inquiry_id}/notice": {"get": {
            "operationId": "getRegistryNotice", "summary": "The result notice (PDF; header X-Content-SHA256)",
            "security": bearer, "parameters": inquiry_id,
            "responses": {"200": {"description": "application/pdf"}, **_responses(401, 404, 409)}}},
        "/registry/inquiries/{inquiry_id}/recheck": {"post": {
            "operationId": "requestRegistryRecheck", "summary": "Ask a maintainer to re-check a `record` answer",
            "security": bearer, "parameters": inquiry_id,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": ref("RegistryRecheckRequest")}}},
            "responses": {"201": json_content(ref("RegistryRecheck"), "The re-check"),
                          **_responses(400, 401, 404, 409, 422)}}},
        "/registry/inquiries/batch": {"post": {
            "operationId": "submitRegistryBatch",
            "summary": "Screen a CSV of applicants or staff (background job)", "security": bearer,
            "description": "Columns name, id_number (or 姓名, 证件号码), optional id_type, birth_date, post. "
                           "Send the file as the body (text/csv, with ?consent=true) or as the field `file` of "
                           "multipart/form-data with `consent=true`.",
            "parameters": [{"name": "consent", "in": "query", "schema": {"type": "string", "enum": ["true"]},
                            "description": "with a text/csv body: you hold everyone's written consent"}],
            "requestBody": {"required": True, "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {"schema": {"type": "object", "required": ["file", "consent"], "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "consent": {"type": "string", "enum": ["true"]}}}}}},
            "responses": {"202": json_content(ref("Job"), "Queued; follow the job's url (Location)"),
                          **_responses(401, 403, 415, 422, 429)}}},
        "/registry/batches/{job_id}/result.csv": {"get": {
            "operationId": "getRegistryBatchResult",
            "summary": "The result CSV of my finished batch (row, name, masked ID number, post, result, "
                       "inquiry_id, error)", "security": bearer,
            "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": integer}],
            "responses": {"200": {"description": "text/csv"}, **_responses(401, 404)}}},
    }
    return schemas, paths
