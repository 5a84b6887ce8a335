"""Document pages: a case's or aid application's documents, generating one or a batch, downloads,
job progress, and the public verification page (no login)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.documents import BatchDocumentsForm, GenerateDocumentForm, VerifyForm
from workflow.aid import operations as aid_service
from workflow.audit.trail import note, public
from workflow.cases import operations as case_service
from workflow.core import jobs
from workflow.core.errors import WorkflowError
from workflow.core.extensions import rate_limit
from workflow.documents import operations

bp = Blueprint("documents", __name__)
# The subjects by URL segment: the service that loads one the user may see.
SUBJECTS = {"cases": case_service.get_case, "aid": aid_service.get_application}


def _subject(kind: str, subject_id: int):
    try:
        return SUBJECTS[kind](current_user, subject_id)
    except WorkflowError as exc:
        abort(404 if exc.status == 404 else exc.status)


def _page(kind: str, subject, *, form=None, batch_form=None, failed: str | None = None, status: int = 200):
    return render_template(
        "documents/index.html", kind=kind, subject=subject, case=subject.case,
        offers=operations.offers(current_user, subject), item_label=operations.item_label, form=form, failed=failed,
        batch_form=batch_form or BatchDocumentsForm(formdata=None)), status


@bp.get("/<any(cases, aid):kind>/<int:subject_id>/documents")
@login_required
def index(kind: str, subject_id: int):
    return _page(kind, _subject(kind, subject_id))


@bp.post("/<any(cases, aid):kind>/<int:subject_id>/documents")
@login_required
def generate(kind: str, subject_id: int):
    """Queue the document, wait a little for it (one document takes well under a second), then
    show it in the list, or the job's progress page when the runner is busy."""
    subject = _subject(kind, subject_id)
    form = GenerateDocumentForm()
    if not form.validate():
        return _page(kind, subject, form=form, failed=form.document.data, status=422)
    try:
        job = operations.request_generation(current_user, subject, form.document.data, form.recipient.data,
                                            item_id=form.item_id.data, final=form.final.data)
    except WorkflowError as exc:
        form.recipient.errors = [*form.recipient.errors, *map(str, exc.fields.get("recipient", []))]
        flash(exc.message, "danger")
        return _page(kind, subject, form=form, failed=form.document.data, status=exc.status)
    job = jobs.wait(job.id, current_app.config["DOCUMENT_WAIT_SECONDS"])
    if job.status == "failed":
        flash(_("The document could not be generated: %(error)s", error=job.error), "danger")
        return redirect(url_for("documents.index", kind=kind, subject_id=subject.id))
    if job.status != "done":
        return redirect(url_for("documents.job", job_id=job.id))
    flash(_("The document was generated."), "success")
    return redirect(url_for("documents.index", kind=kind, subject_id=subject.id,
                            _anchor=f"document-{job.result['documents'][0]}"))


@bp.post("/<any(cases, aid):kind>/<int:subject_id>/documents/batch")
@login_required
def batch(kind: str, subject_id: int):
    subject = _subject(kind, subject_id)
    form = BatchDocumentsForm()
    if not form.validate():
        return _page(kind, subject, batch_form=form, status=422)
    try:
        job = operations.request_batch(current_user, subject, form.recipient.data, final=form.final.data)
    except WorkflowError as exc:
        form.recipient.errors = [*map(str, exc.fields.get("recipient", [exc.message]))]
        return _page(kind, subject, batch_form=form, status=exc.status)
    return redirect(url_for("documents.job", job_id=job.id))


@bp.get("/documents/<int:document_id>.pdf")
@login_required
def pdf(document_id: int):
    try:
        document = operations.get_document(current_user, document_id)
        content = operations.pdf_bytes(document)
    except WorkflowError as exc:
        abort(exc.status)
    note(kind="download")
    filename = f"{document.number or document.kind}-v{document.version}.pdf"
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"{document.kind}-v{document.version}.pdf\"; "
                               f"filename*=UTF-8''{quote(filename, safe='')}"})


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    try:
        found = operations.get_job(current_user, job_id)
    except WorkflowError:
        abort(404)
    return render_template("documents/job.html", job=found)


@bp.get("/jobs/<int:job_id>/archive.zip")
@login_required
def archive(job_id: int):
    try:
        content = operations.job_archive(current_user, job_id)
    except WorkflowError:
        abort(404)
    note(kind="download")
    return Response(content, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename=\"documents-{job_id}.zip\""})


# --- public verification ------------------------------------------------------------------------

@bp.route("/verify", methods=["GET", "POST"])
@public
@rate_limit("verify", methods=["POST"])
def verify():
    form = VerifyForm()
    verdict = None
    if request.method == "POST":
        if not form.validate():
            return render_template("documents/verify.html", form=form, verdict=None), 422
        reference = (form.reference.data or "").strip()
        if form.pdf.data:
            verdict = operations.public_verdict(upload=form.pdf.data.read())
        elif len(reference) == 64:
            verdict = operations.public_verdict(sha256=reference)
        else:
            verdict = operations.public_verdict(code=reference)
    return render_template("documents/verify.html", form=form, verdict=verdict)


@bp.get("/verify/<code>")
@public
@rate_limit("verify")
def verify_code(code: str):
    """Where the QR code and the footer's code lead: that version's metadata and hash."""
    verdict = operations.public_verdict(code=code[:16])
    return render_template("documents/verify.html", form=VerifyForm(formdata=None), verdict=verdict,
                           code=code[:16]), 200 if verdict["issued"] else 404
