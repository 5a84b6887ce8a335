"""Destroying the stored copies of a case's documents (under retention). The document rows are
immutable and stay as issued; each destroyed one gets a tombstone, so that verification still
answers "issued on ... by ..., destroyed on ..." for its hash and code, and downloads say why
there is nothing to download. The caller owns the transaction."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from workflow.core.extensions import db
from workflow.core.models import Job
from workflow.documents.models import Document, DocumentTombstone
from workflow.documents.store import document_store


def tombstone_of(document: Document) -> DocumentTombstone | None:
    return db.session.get(DocumentTombstone, document.id)


def destroy_case_documents(case_id: int, reason: str, now: dt.datetime) -> int:
    """Delete the bytes of every document of the case (its aid applications' too) and of the batch
    archives that hold any of them, tombstone each document; return how many were destroyed.

    The database store deletes in the caller's transaction; the file store at once (a transaction
    that then fails leaves documents without bytes but without tombstones, which the next run of
    the caller destroys again: the case was due)."""
    store = document_store()
    rows = db.session.execute(
        select(Document.id, Document.storage_key, Document.job_id)
        .outerjoin(DocumentTombstone, DocumentTombstone.document_id == Document.id)
        .where(Document.case_id == case_id, DocumentTombstone.document_id.is_(None))).all()
    for document_id, storage_key, _job_id in rows:
        store.delete(storage_key)
        db.session.add(DocumentTombstone(document_id=document_id, destroyed_at=now, reason=reason))
    job_ids = {job_id for _id, _key, job_id in rows if job_id is not None}
    if job_ids:
        for job in db.session.scalars(select(Job).where(Job.id.in_(job_ids), Job.kind == "document_batch")):
            archive = (job.result or {}).get("archive")
            if archive:
                store.delete(archive)
    return len(rows)
