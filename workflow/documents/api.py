"""Document and job endpoints of the JSON API (routes on `workflow.core.api.bp`, same errors and tokens).

Generation is asynchronous: POST answers 202 with the job; `GET /jobs/{id}` reports its progress
and, once done, the generated documents (and a batch's ZIP).
"""
from __future__ import annotations

from flask import Response, g, jsonify, url_for
from flask_babel import gettext as _

from workflow.aid.api import visible_application
from workflow.audit import trail
from workflow.cases.api import visible_case
from workflow.core.api import bp, error_responses, json_content, json_object, ref
from workflow.core.errors import Invalid
from workflow.core.models import Job
from workflow.core.process import RECIPIENTS
from workflow.core.serializers import utc
from workflow.documents import operations
from workflow.documents.models import Document


def _subject(kind: str, subject_id: int):
    return visible_case(subject_id) if kind == "cases" else visible_application(subject_id)


def document_json(document: Document) -> dict:
    return {
        "id": document.id, "kind": document.kind, "title": document.title, "recipient": document.recipient,
        "status": document.status, "version": document.version, "number": document.number,
        "template": document.template, "template_version": document.template_version,
        "sha256": document.sha256, "code": document.code, "size": document.size, "pages": document.pages,
        "case_id": document.case_id, "aid_application_id": document.aid_application_id,
        "item_id": document.item_id, "generated_by": document.generated_by_id,
        "generated_at": utc(document.generated_at),
        "pdf_url": url_for("api.document_pdf", document_id=document.id),
    }


def _offer_json(offer: operations.Offer) -> dict:
    return {"document": offer.spec.name, "title": str(offer.spec.title), "item_id": offer.item_id,
            "item_label": operations.item_label(offer.item) or None, "recipients": list(offer.spec.recipients),
            "template_version": offer.spec.version, "ready": offer.unmet is None, "unmet": offer.unmet,
            "may_generate": offer.may_generate, "versions": [document_json(d) for d in offer.versions]}


def job_json(job: Job, user) -> dict:
    body = {"id": job.id, "kind": job.kind, "status": job.status, "done": job.done, "total": job.total,
            "error": job.error, "created_at": utc(job.created_at), "started_at": utc(job.started_at),
            "finished_at": utc(job.finished_at), "url": url_for("api.get_job", job_id=job.id)}
    result = dict(job.result or {})
    if "documents" in result:  # those the owner may still read
        body["documents"] = [document_json(d) for d in operations.readable(user, result["documents"])]
        body["failed"] = result.get("failed", [])
    if result.get("archive"):
        body["archive_url"] = url_for("api.job_archive", job_id=job.id)
    if job.kind == "registry_batch" and job.status == "done" and job.owner_id == user.id:
        body["result_csv"] = url_for("api.registry_batch_result", job_id=job.id)
        body["inquiries_url"] = url_for("api.list_registry_inquiries", job_id=job.id)
        body["counts"] = {key: result.get(key, 0)
                          for key in ("rows", "invalid", "record", "no_record", "pending_review")}
    return body


def job_accepted(job: Job):
    response = jsonify(job_json(job, g.api_user))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_job", job_id=job.id)
    return response


def _recipient_and_final(body: dict) -> tuple[str, bool]:
    recipient, final = body.get("recipient"), body.get("final", False)
    fields = {}
    if recipient not in RECIPIENTS:
        fields["recipient"] = [_("One of: %(choices)s.", choices=", ".join(RECIPIENTS))]
    if not isinstance(final, bool):
        fields["final"] = [_("Must be true or false.")]
    if fields:
        raise Invalid(_("The submitted data is not valid."), fields)
    return recipient, final


@bp.get("/<any(cases, aid):kind>/<int:subject_id>/documents")
def list_documents(kind: str, subject_id: int):
    subject = _subject(kind, subject_id)
    return jsonify(documents=[_offer_json(o) for o in operations.offers(g.api_user, subject)])


@bp.post("/<any(cases, aid):kind>/<int:subject_id>/documents")
def generate_document(kind: str, subject_id: int):
    subject = _subject(kind, subject_id)
    body = json_object()
    name, item_id = body.get("document"), body.get("item_id")
    recipient, final = _recipient_and_final(body)
    if not isinstance(name, str) or not name:
        raise Invalid(_("The submitted data is not valid."), {"document": [_("Required (a string).")]})
    if item_id is not None and (not isinstance(item_id, int) or isinstance(item_id, bool)):
        raise Invalid(_("The submitted data is not valid."), {"item_id": [_("Must be an integer.")]})
    return job_accepted(operations.request_generation(g.api_user, subject, name, recipient, item_id=item_id,
                                                      final=final))


@bp.post("/<any(cases, aid):kind>/<int:subject_id>/documents/batch")
def generate_batch(kind: str, subject_id: int):
    subject = _subject(kind, subject_id)
    recipient, final = _recipient_and_final(json_object())
    return job_accepted(operations.request_batch(g.api_user, subject, recipient, final=final))


@bp.get("/jobs/<int:job_id>")
def get_job(job_id: int):
    return jsonify(job_json(operations.get_job(g.api_user, job_id), g.api_user))


@bp.get("/jobs/<int:job_id>/archive")
def job_archive(job_id: int):
    content = operations.job_archive(g.api_user, job_id)
    trail.note(kind="download")
    return Response(content, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename=\"documents-{job_id}.zip\""})


def _document(document_id: int) -> Document:
    return operations.get_document(g.api_user, document_id)


@bp.get("/documents/<int:document_id>")
def get_document(document_id: int):
    return jsonify(document_json(_document(document_id)))


@bp.get("/documents/<int:document_id>/pdf")
def document_pdf(document_id: int):
    document = _document(document_id)
    content = operations.pdf_bytes(document)
    trail.note(kind="download")
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=\"{document.kind}-v{document.version}.pdf\"",
                             "X-Content-SHA256": document.sha256})


@bp.get("/documents/<int:document_id>/verify")
def verify_document(document_id: int):
    """Re-hash the stored bytes: `intact` is false when they no longer match what was issued, or when
    they were destroyed under retention (`destroyed_at`)."""
    check = operations.check_stored(_document(document_id))
    return jsonify({**check, "destroyed_at": utc(check["destroyed_at"])})


def openapi_part() -> tuple[dict, dict]:
    """Schemas and paths of these endpoints, for `workflow.openapi.openapi_document`."""
    integer, string, boolean = {"type": "integer"}, {"type": "string"}, {"type": "boolean"}
    nullable_int, nullable_string = {"type": ["integer", "null"]}, {"type": ["string", "null"]}
    dt = {"type": ["string", "null"], "format": "date-time"}
    schemas = {
        "Document": {"type": "object", "required": ["id", "kind", "status", "version", "sha256", "code"],
                     "properties": {"id": integer, "kind": string, "title": string,
                                    "recipient": {"type": "string", "enum": list(RECIPIENTS)},
                                    "status": {"type": "string", "enum": ["draft", "final"]}, "version": integer,
                                    "number": nullable_string, "template": string, "template_version": integer,
                                    "sha256": string, "code": string, "size": integer, "pages": integer,
                                    "case_id": integer, "aid_application_id": nullable_int, "item_id": nullable_int,
                                    "generated_by": nullable_int, "generated_at": dt, "pdf_url": string}},
        "DocumentOffer": {"type": "object", "properties": {
            "document": string, "title": string, "item_id": nullable_int, "item_label": nullable_string,
            "recipients": {"type": "array", "items": string}, "template_version": integer, "ready": boolean,
            "unmet": nullable_string, "may_generate": boolean,
            "versions": {"type": "array", "items": ref("Document")}}},
        "DocumentRequest": {"type": "object", "required": ["document", "recipient"], "properties": {
            "document": string, "recipient": {"type": "string", "enum": list(RECIPIENTS)},
            "item_id": {"type": "integer", "description": "the referral, visit or payment, for documents "
                                                          "issued per item"},
            "final": {"type": "boolean", "default": False,
                      "description": "numbered and without the DRAFT watermark"}}},
        "BatchRequest": {"type": "object", "required": ["recipient"], "properties": {
            "recipient": {"type": "string", "enum": list(RECIPIENTS)}, "final": boolean}},
        "Job": {"type": "object", "required": ["id", "status", "done", "total"], "properties": {
            "id": integer, "kind": string, "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
            "done": integer, "total": integer, "error": nullable_string, "created_at": dt, "started_at": dt,
            "finished_at": dt, "url": string, "documents": {"type": "array", "items": ref("Document")},
            "failed": {"type": "array", "items": {"type": "object"},
                       "description": "batch entries that could not be generated, with the error"},
            "archive_url": string}},
        "DocumentCheck": {"type": "object", "properties": {
            "document_id": integer, "intact": {"type": "boolean", "description": "stored bytes hash to sha256"},
            "sha256": string, "version": integer, "latest_version": integer, "newer_version_exists": boolean,
            "destroyed_at": {**dt, "description": "when its copy was destroyed under retention (null: it was not)"}}},
    }
    bearer = [{"bearerAuth": []}]
    subject = [{"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": ["cases", "aid"]}},
               {"name": "subject_id", "in": "path", "required": True, "schema": integer}]
    document_id = [{"name": "document_id", "in": "path", "required": True, "schema": integer}]
    job_id = [{"name": "job_id", "in": "path", "required": True, "schema": integer}]
    accepted = {"202": json_content(ref("Job"), "Queued; follow the job's url")}
    paths = {
        "/{kind}/{subject_id}/documents": {
            "get": {"operationId": "listDocuments", "summary": "Documents of a case or aid application the caller "
                    "may read, with readiness and versions", "security": bearer, "parameters": subject,
                    "responses": {"200": json_content({"type": "object", "properties": {"documents": {
                        "type": "array", "items": ref("DocumentOffer")}}}, "Documents"), **error_responses(401, 404)}},
            "post": {"operationId": "generateDocument", "summary": "Generate a document (background job)",
                     "security": bearer, "parameters": subject,
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": ref("DocumentRequest")}}},
                     "responses": {**accepted, **error_responses(400, 401, 403, 404, 422)}}},
        "/{kind}/{subject_id}/documents/batch": {"post": {
            "operationId": "generateDocumentBatch", "summary": "Every ready document for one recipient, as a ZIP "
            "(background job)", "security": bearer, "parameters": subject,
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("BatchRequest")}}},
            "responses": {**accepted, **error_responses(400, 401, 404, 422)}}},
        "/jobs/{job_id}": {"get": {"operationId": "getJob", "summary": "A job of mine: progress and result",
                                   "security": bearer, "parameters": job_id,
                                   "responses": {"200": json_content(ref("Job"), "The job"),
                                                 **error_responses(401, 404)}}},
        "/jobs/{job_id}/archive": {"get": {"operationId": "getJobArchive", "summary": "The ZIP of a batch job",
                                           "security": bearer, "parameters": job_id,
                                           "responses": {"200": {"description": "application/zip"},
                                                         **error_responses(401, 404)}}},
        "/documents/{document_id}": {"get": {"operationId": "getDocument", "summary": "A document's metadata",
                                             "security": bearer, "parameters": document_id,
                                             "responses": {"200": json_content(ref("Document"), "Metadata"),
                                                           **error_responses(401, 403, 404)}}},
        "/documents/{document_id}/pdf": {"get": {"operationId": "getDocumentPdf", "summary": "The PDF",
                                                 "security": bearer, "parameters": document_id,
                                                 "responses": {"200": {"description": "application/pdf"},
                                                               **error_responses(401, 403, 404)}}},
        "/documents/{document_id}/verify": {"get": {
            "operationId": "verifyDocument", "summary": "Whether the stored PDF still matches its SHA-256, and "
            "whether a newer version exists", "security": bearer, "parameters": document_id,
            "responses": {"200": json_content(ref("DocumentCheck"), "The check"), **error_responses(401, 403, 404)}}},
    }
    return schemas, paths
