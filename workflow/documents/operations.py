"""Generating, reading and verifying documents. Services own their transactions.

A generation renders the spec's template with the data its recipient may see, numbers it when final
(the issue number of the logical document's first final version, kept by later ones), stores the
PDF's bytes and SHA-256 with the data snapshot, and records it in the case history, in one
transaction. Pages and the API ask for it through the job runner (`request_generation`), which also
builds batches of every document of a case or application into one ZIP.
"""
from __future__ import annotations

import hashlib
import io
import json
import secrets
import zipfile
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from workflow.admin.models import User
from workflow.aid.models import AidApplication, AidLedgerEntry
from workflow.audit import trail
from workflow.cases.labels import CHOICES
from workflow.cases.models import Case
from workflow.core import jobs
from workflow.core.access import can, require
from workflow.core.clocks import local_today
from workflow.core.errors import Invalid, NotFound, WorkflowError
from workflow.core.extensions import db
from workflow.core.labels import choice_label
from workflow.core.models import Event, Job, utcnow
from workflow.core.money import yuan
from workflow.core.process import DocumentSpec, process_of
from workflow.core.sealing import ErasedError
from workflow.documents import data, render
from workflow.documents.destruction import tombstone_of
from workflow.documents.labels import RECIPIENT_LABELS
from workflow.documents.models import Document, IssueCounter
from workflow.documents.store import document_store
from workflow.followup.models import Referral, Visit

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: people type it from paper


class Conflict(WorkflowError):
    status, code = 409, "conflict"


@dataclass
class Offer:
    """A document a user may read on a subject: the spec, the item it is about, whether it is
    ready and the user may generate it, and its generated versions (newest first)."""

    spec: DocumentSpec
    item: object | None
    unmet: str | None
    may_generate: bool
    versions: list[Document] = field(default_factory=list)

    @property
    def item_id(self) -> int | None:
        return getattr(self.item, "id", None)


def subject_key(subject: Case | AidApplication) -> str:
    return f"{subject.process_name}:{subject.id}"


def issue_key(spec: DocumentSpec, subject, item) -> str:
    """The document as issued once (one decision, one letter): its recipients' copies share the
    issue number."""
    return f"{subject_key(subject)}/{spec.name}/{getattr(item, 'id', '-')}"


def document_key(spec: DocumentSpec, subject, item, recipient: str) -> str:
    """One recipient's copy, whose versions count up from 1."""
    return f"{issue_key(spec, subject, item)}/{recipient}"


def _spec(subject, name: str) -> DocumentSpec:
    spec = process_of(subject).by_document.get(name)
    if spec is None:
        raise NotFound(_("Unknown document: %(name)s.", name=name))
    return spec


def _item(spec: DocumentSpec, subject, item_id: int | None):
    if spec.items is None:
        return None
    item = next((row for row in spec.items(subject) if row.id == item_id), None)
    if item is None:
        raise NotFound(_("This document is issued for one item of the case; that item was not found."))
    return item


def _requested(user: User, subject, name: str, recipient: str, item_id: int | None):
    """The spec and item of a generation request, once the user may generate it for `recipient`."""
    spec = _spec(subject, name)
    require(user, f"generate_document:{spec.name}", subject)
    if recipient not in spec.recipients:
        raise Invalid(_("This document has no copy for that recipient."),
                      {"recipient": [_("Choose one of the document's recipients.")]})
    return spec, _item(spec, subject, item_id)


def offers(user: User, subject: Case | AidApplication) -> list[Offer]:
    rows = db.session.scalars(select(Document).where(Document.key.like(subject_key(subject) + "/%"))
                              .options(defer(Document.data)).order_by(Document.id.desc())).all()
    by_key: dict[str, list[Document]] = {}
    for row in rows:
        by_key.setdefault(row.key.rsplit("/", 1)[0], []).append(row)
    found = []
    for spec in process_of(subject).documents:
        if not can(user, f"read_document:{spec.name}", subject)[0]:
            continue
        may_generate = can(user, f"generate_document:{spec.name}", subject)
        unmet = spec.ready(subject)
        for item in spec.items(subject) if spec.items else [None]:
            key = issue_key(spec, subject, item)
            found.append(Offer(spec, item, str(unmet) if unmet else None,
                               may_generate[0] or may_generate[1].status == 422, by_key.get(key, [])))
    return found


def item_label(item) -> str:
    """How the documents page names the row a document is about."""
    if isinstance(item, Referral):
        return f"{choice_label(CHOICES['referral_kind'], item.kind)} · {item.agency.name}"
    if isinstance(item, Visit):
        return _("Visit of %(day)s", day=format_date(item.done_on or item.due_on))
    if isinstance(item, AidLedgerEntry):
        return _("%(amount)s yuan paid on %(day)s", amount=yuan(item.amount_fen), day=format_date(item.on_date))
    return ""


def _next_number(agency, series: str, year: int) -> str:
    """The next issue number of an agency's series this year, e.g. 穗检未助〔2026〕12号. The counter row
    is locked by the UPDATE until commit, so concurrent generations get distinct numbers; a failed
    generation rolls its number back."""
    stmt = (update(IssueCounter).where(IssueCounter.agency_id == agency.id, IssueCounter.series == series,
                                       IssueCounter.year == year)
            .values(last=IssueCounter.last + 1).returning(IssueCounter.last))
    last = db.session.execute(stmt).scalar()
    if last is None:
        try:
            with db.session.begin_nested():
                db.session.add(IssueCounter(agency_id=agency.id, series=series, year=year, last=1))
            last = 1
        except IntegrityError:  # another generation created the row first
            last = db.session.execute(stmt).scalar()
    return format_number(agency, series, year, last)


def format_number(agency, series: str, year: int, sequence: int) -> str:
    return f"{agency.doc_prefix or agency.name}{series}〔{year}〕{sequence}号"


def issuing_agency(subject):
    return subject.agency if isinstance(subject, AidApplication) else subject.centre


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(10))


def verify_url(code: str | None = None) -> str:
    base = current_app.config["BASE_URL"] + "/verify"
    return f"{base}/{code}" if code else base


def render_copy(spec: DocumentSpec, subject, item, recipient: str, agency, today, *, number: str | None,
                version: int, code: str) -> tuple[dict, dict, bytes, int]:
    """Build the recipient's data and render the PDF: (data snapshot, issue metadata, PDF, pages).
    Documents speak the centre's language (BABEL_DEFAULT_LOCALE), whoever asks for them."""
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        snapshot = data.build(spec, subject, item, recipient, today)
        doc = {"title": str(spec.title), "number": number, "version": version, "draft": number is None,
               "agency": agency.name, "issued_on": today.isoformat(), "code": code, "verify_url": verify_url(),
               "recipient": str(RECIPIENT_LABELS[recipient]), "qr_svg": render.qr_svg(verify_url(code)),
               "locale": locale}
        pdf, pages = render.html_to_pdf(render.render_html(spec.name, snapshot, doc))
    return snapshot, doc, pdf, pages


def issue_version(spec: DocumentSpec, subject, item, recipient: str, agency, *, key: str, issued_key: str,
                  final: bool, user: User | None, job_id: int | None = None, sealed: bool = False,
                  **links) -> Document:
    """Render, number (final: the logical document's number, or the series' next) and store one more
    version of the copy `key`; adds the row to the session, uncommitted. `links` are the row's
    subject columns (case_id, aid_application_id, inquiry_id). The data snapshot is sealed under
    the case's key (the column does it), and so are a case's PDF bytes; a `sealed` document (a
    register notice) keeps its bytes under the master key instead (store.SealingStore)."""
    versions = db.session.scalar(select(func.count()).where(Document.key == key))
    issued = db.session.scalar(select(Document.number).where(
        Document.key.like(issued_key + "/%"), Document.number.is_not(None)).limit(1))
    now = utcnow()
    today = local_today(now)
    number = None
    try:
        if final:
            number = issued or _next_number(agency, spec.series, today.year)
        code = _new_code()
        snapshot, doc, pdf, pages = render_copy(spec, subject, item, recipient, agency, today, number=number,
                                                version=versions + 1, code=code)
    except Exception:
        db.session.rollback()  # the issue number goes back too
        raise
    storage_key = f"{'sealed' if sealed else 'pdf'}/{secrets.token_hex(16)}.pdf"
    document = Document(
        key=key, version=doc["version"], kind=spec.name, title=doc["title"], recipient=recipient,
        status="final" if final else "draft", item_id=getattr(item, "id", None), agency_id=agency.id,
        number=number, template=spec.name, template_version=spec.version, locale=doc["locale"], data=snapshot,
        sha256=hashlib.sha256(pdf).hexdigest(), code=code, size=len(pdf), pages=pages, storage_key=storage_key,
        generated_by_id=getattr(user, "id", None), generated_at=now, job_id=job_id, **links)
    db.session.add(document)
    document_store().put(storage_key, pdf, case_id=None if sealed else links.get("case_id"))
    return document


def snapshot_of(document: Document) -> dict:
    """The data a document was rendered from (ERASED once its case's key was shredded)."""
    return document.data


def commit_issued() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("This document was generated by someone else at the same moment; try again.")) from None


def generate(user: User, subject: Case | AidApplication, name: str, recipient: str, *,
             item_id: int | None = None, final: bool = False, job_id: int | None = None) -> Document:
    """Render, number (final), store and record one document version; commits."""
    spec, item = _requested(user, subject, name, recipient, item_id)
    document = issue_version(
        spec, subject, item, recipient, issuing_agency(subject), key=document_key(spec, subject, item, recipient),
        issued_key=issue_key(spec, subject, item), final=final, user=user, job_id=job_id,
        case_id=subject.case.id, aid_application_id=subject.id if isinstance(subject, AidApplication) else None)
    with force_locale(document.locale):  # the history names the copy as the document does
        recipient_label = str(RECIPIENT_LABELS[recipient])
    db.session.add(Event(case_id=subject.case.id, aid_application_id=document.aid_application_id,
                         actor_id=user.id, action="issue_document", case_version=subject.version,
                         changes={"document": document.title, "version": document.version,
                                  "recipient": recipient_label, "number": document.number or "",
                                  "status": document.status}, created_at=document.generated_at))
    commit_issued()
    return document


# --- background generation ----------------------------------------------------------------------

def _subject_ref(subject) -> dict:
    return {"process": subject.process_name, "id": subject.id}


def _load_subject(ref: dict):
    model = AidApplication if ref["process"] == "aid" else Case
    subject = db.session.get(model, ref["id"])
    if subject is None:
        raise NotFound(_("Not found."))
    return subject


def request_generation(user: User, subject, name: str, recipient: str, *, item_id: int | None = None,
                       final: bool = False) -> Job:
    """Check what can be checked now (so the caller gets 403/404/422 at once), then queue the job."""
    _requested(user, subject, name, recipient, item_id)
    params = {"subject": _subject_ref(subject), "document": name, "recipient": recipient, "item_id": item_id,
              "final": final}
    return jobs.submit("document", user, params, total=1)


def batch_entries(user: User, subject, recipient: str) -> list[list]:
    """The "document_batch" entries `[document, item id, subject]` of every ready document of the
    subject this user may generate for `recipient`. Each entry names its subject, so one batch may
    gather the documents of several cases and applications."""
    ref = _subject_ref(subject)
    return [[o.spec.name, o.item_id, ref] for o in offers(user, subject)
            if o.may_generate and o.unmet is None and recipient in o.spec.recipients]


def request_batch(user: User, subject, recipient: str, *, final: bool = False) -> Job:
    """Every ready document of the subject this user may generate, for `recipient`, as one ZIP."""
    require(user, "view_case" if isinstance(subject, Case) else "view_aid", subject)
    if recipient not in RECIPIENT_LABELS:
        raise Invalid(_("Choose a recipient."), {"recipient": [_("Not a valid choice.")]})
    todo = batch_entries(user, subject, recipient)
    if not todo:
        raise Invalid(_("No document is ready for this recipient."), {"recipient": [_("Nothing to generate.")]})
    return jobs.submit("document_batch", user, {"subject": _subject_ref(subject), "recipient": recipient,
                                                "final": final, "documents": todo}, total=len(todo))


@jobs.handler("document")
def _document_job(job: Job, progress) -> dict:  # noqa: ARG001 - one unit: progress is the result
    p = job.params
    document = generate(job.owner, _load_subject(p["subject"]), p["document"], p["recipient"],
                        item_id=p["item_id"], final=p["final"], job_id=job.id)
    return {"documents": [document.id]}


def _batch_documents(job: Job, progress) -> tuple[list[Document], list[dict]]:
    """Generate each entry in turn, each in its own transaction. One that fails (its case moved on,
    the user lost access, a rendering error) is reported and the batch goes on."""
    p = job.params
    made, failed = [], []
    for done, (name, item_id, subject_ref) in enumerate(p["documents"], start=1):
        try:
            made.append(generate(job.owner, _load_subject(subject_ref), name, p["recipient"], item_id=item_id,
                                 final=p["final"], job_id=job.id))
        except (WorkflowError, render.DocumentError) as exc:
            db.session.rollback()
            failed.append({"document": name, "item_id": item_id, "subject": subject_ref, "error": str(exc)})
        progress(done)
    return made, failed


@jobs.handler("document_batch")
def _batch_job(job: Job, progress) -> dict:
    made, failed = _batch_documents(job, progress)
    if not made:
        raise WorkflowError(_("No document could be generated: %(error)s", error=failed[0]["error"]))
    buffer = io.BytesIO()
    store = document_store()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        manifest = []
        for index, document in enumerate(made, start=1):
            filename = f"{index:02d}-{document.kind}-v{document.version}.pdf"
            archive.writestr(filename, store.get(document.storage_key))
            manifest.append({"file": filename, "title": document.title, "number": document.number,
                             "version": document.version, "sha256": document.sha256, "code": document.code})
        archive.writestr("manifest.json", json.dumps({"documents": manifest, "failed": failed},
                                                     ensure_ascii=False, indent=2))
    # Sealed under the master key: a batch may hold documents of several cases.
    key, content = f"sealed/{secrets.token_hex(16)}.zip", buffer.getvalue()
    store.put(key, content)
    db.session.commit()
    return {"documents": [d.id for d in made], "failed": failed, "archive": key, "size": len(content)}


def get_job(user: User, job_id: int) -> Job:
    """A job is its owner's alone; anyone else learns nothing, not even that it exists."""
    job = db.session.get(Job, job_id)
    if job is None or job.owner_id != user.id:
        raise NotFound(_("Job not found."))
    return job


def readable(user: User, document_ids: list[int]) -> list[Document]:
    """Those of the documents the user may still read (access may have ended since the job ran)."""
    rows = db.session.scalars(select(Document).where(Document.id.in_(document_ids)).order_by(Document.id))
    return [d for d in rows if can(user, f"read_document:{d.kind}", _subject_of(d))[0]]


def job_archive(user: User, job_id: int) -> bytes:
    """A batch's ZIP, while its owner may still read every document in it."""
    job = get_job(user, job_id)
    result = job.result or {}
    key = result.get("archive") if job.status == "done" else None
    if key is None or len(readable(user, result.get("documents", []))) != len(result.get("documents", [])):
        raise NotFound(_("This job has no archive."))
    content = document_store().get(key)
    if content is None:
        raise NotFound(_("This job has no archive."))
    return content


# --- reading and verifying ----------------------------------------------------------------------

def _subject_of(document: Document):
    return document.aid_application if document.aid_application_id else document.case


def get_document(user: User, document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None or document.case_id is None:
        raise NotFound(_("Document not found."))
    trail.note(case_id=document.case_id)
    allowed, reason = can(user, f"read_document:{document.kind}", _subject_of(document))
    if not allowed:
        # Someone who cannot see the case must not learn the document exists.
        raise NotFound(_("Document not found.")) if reason.status == 404 else WorkflowError.from_denial(reason)
    return document


def pdf_bytes(document: Document) -> bytes:
    try:
        content = document_store().get(document.storage_key)
    except ErasedError:  # its case's key was shredded under retention
        raise WorkflowError(_("This document was erased under retention."), status=410, code="erased") from None
    except InvalidTag:  # sealed bytes changed in the store: they no longer open
        raise WorkflowError(_("The document's stored file is damaged and fails verification."), status=409,
                            code="damaged") from None
    if content is None:
        tombstone = tombstone_of(document)
        if tombstone is not None:
            raise WorkflowError(_("This document's copy was destroyed under retention on %(day)s.",
                                  day=format_date(tombstone.destroyed_at, "medium")), status=410, code="destroyed")
        raise NotFound(_("The document's file is missing from the store."))
    return content


def latest_version(document: Document) -> int:
    """The newest version that supersedes this one: for a final, the newest final (a later draft
    replaces nothing); for a draft, the newest version of any kind."""
    stmt = select(func.max(Document.version)).where(Document.key == document.key)
    if document.status == "final":
        stmt = stmt.where(Document.status == "final")
    return db.session.scalar(stmt)


def check_stored(document: Document) -> dict:
    """Whether the stored bytes still hash to what was issued, and whether a newer version exists;
    `destroyed_at` when the copy was destroyed under retention (then it is not intact: there is none)."""
    tombstone = tombstone_of(document)
    try:
        content = document_store().get(document.storage_key) if tombstone is None else None
    except (ErasedError, InvalidTag):  # its case's key was shredded, or sealed bytes were changed
        content = None
    intact = content is not None and hashlib.sha256(content).hexdigest() == document.sha256
    latest = latest_version(document)
    return {"document_id": document.id, "intact": intact, "sha256": document.sha256,
            "version": document.version, "latest_version": latest, "newer_version_exists": latest > document.version,
            "destroyed_at": tombstone.destroyed_at if tombstone is not None else None}


def find_issued(*, sha256: str | None = None, code: str | None = None) -> Document | None:
    if sha256:
        return db.session.scalar(select(Document).where(Document.sha256 == sha256.strip().lower()))
    if code:
        return db.session.scalar(select(Document).where(Document.code == code.strip().upper()))
    return None


def public_verdict(*, upload: bytes | None = None, sha256: str | None = None, code: str | None = None) -> dict:
    """What the public verification page may say: the verdict and the document's metadata, never its
    content, recipient's name or case."""
    if upload is not None:
        sha256 = hashlib.sha256(upload).hexdigest()
    document = find_issued(sha256=sha256, code=code) if (sha256 or code) else None
    if document is None:
        return {"issued": False, "sha256": sha256}
    stored = check_stored(document)
    matches = sha256 is None or sha256.strip().lower() == document.sha256
    destroyed = stored["destroyed_at"] is not None  # issued, and no copy left to check against
    return {
        "issued": (stored["intact"] or destroyed) and matches, "stored_copy_intact": stored["intact"],
        "file_matches": matches, "destroyed_at": stored["destroyed_at"],
        "sha256": document.sha256, "title": document.title, "number": document.number,
        "status": document.status, "version": document.version, "latest_version": stored["latest_version"],
        "newer_version_exists": stored["newer_version_exists"], "agency": document.agency.name,
        "issued_at": document.generated_at, "code": document.code, "checked_sha256": sha256,
    }
