"""Generated documents (immutable versions), their stored bytes, the tombstones of destroyed ones and
issue-number counters."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.admin.models import Agency, User
from workflow.aid.models import AidApplication
from workflow.cases.models import Case
from workflow.core.extensions import db
from workflow.core.models import one_of, utcnow
from workflow.core.sealing import Sealed

DOCUMENT_STATUSES = ("draft", "final")
DESTRUCTION_REASONS = ("retention",)


class Document(db.Model):
    """One generated version of a document: the PDF's hash, where its bytes are stored, the template
    and data it was rendered from, and who issued it. Rows are never changed or deleted (database
    triggers refuse it): re-generating adds a version, so a final document stays as issued.

    `key` names the logical document (subject, document, item, recipient); its versions count up
    from 1. The issue number is given to its first final version and kept by later ones.
    """

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(one_of("status", DOCUMENT_STATUSES), name="status"),
        CheckConstraint("status = 'draft' OR number IS NOT NULL", name="final_numbered"),
        UniqueConstraint("key", "version", name="uq_documents_key_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    aid_application_id: Mapped[int | None] = mapped_column(ForeignKey("aid_applications.id"), index=True)
    # An entry inquiry's result notice is about the inquiry, not a case.
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("registry_inquiries.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    number: Mapped[str | None] = mapped_column(String(240), index=True)  # the prefix may be a long agency name
    template: Mapped[str] = mapped_column(String(60))
    template_version: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(10))
    # What the document was rendered from, sealed under the case's key as the row is written (a
    # register notice, which has no case, under a key of its own); its bytes in the store likewise.
    data: Mapped[dict] = mapped_column(Sealed("documents.data", case_key=True))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # Printed in the footer and the QR code: opens this version on the public verification page.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(120))
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    generated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)

    case: Mapped[Case | None] = relationship()
    aid_application: Mapped[AidApplication | None] = relationship()
    agency: Mapped[Agency] = relationship()
    generated_by: Mapped[User | None] = relationship()

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


@event.listens_for(Document, "before_update")
@event.listens_for(Document, "before_delete")
def _documents_are_immutable(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuntimeError("documents are immutable; generate a new version")


class DocumentTombstone(db.Model):
    """What is left of a document whose bytes were destroyed (under retention): its row stays as
    issued, so verification still says who issued it and when, and now also when and why its
    copy was destroyed. Tombstones are never changed or deleted (database triggers refuse it)."""

    __tablename__ = "document_tombstones"
    __table_args__ = (CheckConstraint(one_of("reason", DESTRUCTION_REASONS), name="reason"),)

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    destroyed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(20))


class DocumentBlob(db.Model):
    """PDF and archive bytes, for the database document store (the default)."""

    __tablename__ = "document_blobs"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class IssueCounter(db.Model):
    """The last issue number per agency, series and year (穗检未助〔2026〕12号: agency 穗检未, series 助)."""

    __tablename__ = "issue_counters"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
