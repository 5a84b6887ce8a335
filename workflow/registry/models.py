"""The register of offenders against minors: entries (sealed, matched by keyed hashes), four-eyes
changes, the inquiry log, re-checks and enumeration alerts."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.admin.models import Agency, User
from workflow.core.extensions import db
from workflow.core.models import one_of, utcnow
from workflow.core.sealing import Sealed

# Models of other features are named, not imported (features import downwards only): SQLAlchemy
# resolves them from its registry once `create_app` has imported every feature.

# Conviction for rape, indecency, child molestation or a similar offence; a relevant
# non-prosecution; an administrative penalty for indecency; an employment ban (until a day or for life).
REGISTRY_CATEGORIES = ("conviction_rape", "conviction_indecency", "conviction_molestation", "conviction_similar",
                       "non_prosecution", "administrative_penalty", "employment_ban")
ID_TYPES = ("resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident", "other")
# pending: proposed, awaiting a second maintainer; active: matches; rejected / removed: never matches.
ENTRY_STATUSES = ("pending", "active", "rejected", "removed")
CHANGE_KINDS = ("create", "correct", "remove")
CHANGE_STATUSES = ("open", "approved", "rejected")
INQUIRY_RESULTS = ("record", "no_record", "pending_review")
RECHECK_STATUSES = ("open", "upheld", "corrected")
ALERT_KINDS = ("misses_in_a_row", "sequential_ids", "many_ids_one_person")


class RegistryEntry(db.Model):
    """A person's record in the register. Who the person is lives only in `person` (encrypted with the
    register key); matching uses keyed hashes of the ID number and of name + birth date, so the
    database alone reveals nobody. An entry matches while active and, for a ban with an end date,
    until that day; any change goes through a `RegistryChange` that a second maintainer approves."""

    __tablename__ = "registry_entries"
    __table_args__ = (
        CheckConstraint(one_of("status", ENTRY_STATUSES), name="status"),
        CheckConstraint(one_of("category", REGISTRY_CATEGORIES), name="category"),
        CheckConstraint(one_of("id_type", ID_TYPES), name="id_type"),
        # A ban has an end day or is lifelong; other categories carry neither.
        CheckConstraint("(category = 'employment_ban') = (ban_lifelong OR ban_until IS NOT NULL)", name="ban"),
        CheckConstraint("NOT (ban_lifelong AND ban_until IS NOT NULL)", name="ban_one_kind"),
        Index("ix_registry_entries_id_match", "id_hmac", "status"),
        Index("ix_registry_entries_name_match", "name_dob_hmac", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    id_type: Mapped[str] = mapped_column(String(32))
    id_hmac: Mapped[str] = mapped_column(String(64))
    name_dob_hmac: Mapped[str] = mapped_column(String(64))
    # Sealed {name, id_type, id_number, birth_date}; `info` names the purpose for `keys rotate`.
    person: Mapped[bytes] = mapped_column(LargeBinary, info={"sealed": "registry-entry"})
    category: Mapped[str] = mapped_column(String(32))
    ban_lifelong: Mapped[bool] = mapped_column(Boolean, default=False)
    ban_until: Mapped[dt.date | None] = mapped_column(Date)
    source_document: Mapped[str] = mapped_column(String(200))
    source_date: Mapped[dt.date] = mapped_column(Date)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    incident: Mapped[Incident | None] = relationship()
    changes: Mapped[list[RegistryChange]] = relationship(back_populates="entry", order_by="RegistryChange.id")


class RegistryChange(db.Model):
    """A proposed creation, correction or removal of an entry, and its decision (four-eyes: the
    database refuses a decision by the proposer). The rows are the entry's history."""

    __tablename__ = "registry_changes"
    __table_args__ = (
        CheckConstraint(one_of("kind", CHANGE_KINDS), name="kind"),
        CheckConstraint(one_of("status", CHANGE_STATUSES), name="status"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> proposed_by_id", name="four_eyes"),
        CheckConstraint("(status = 'open') = (decided_by_id IS NULL)", name="decided"),
        CheckConstraint("kind <> 'correct' OR proposed IS NOT NULL", name="correction_values"),
        # One open change per entry: a second proposal waits for the first decision.
        Index("uq_registry_changes_open", "entry_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("registry_entries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="open")
    # Sealed entry values: after the change (a correction) and before it (the corrected values).
    proposed: Mapped[bytes | None] = mapped_column(LargeBinary, info={"sealed": "registry-entry"})
    previous: Mapped[bytes | None] = mapped_column(LargeBinary, info={"sealed": "registry-entry"})
    reason: Mapped[str] = mapped_column(Sealed("registry_changes.reason"), default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str] = mapped_column(Sealed("registry_changes.decision_note"), default="")

    entry: Mapped[RegistryEntry] = relationship(back_populates="changes")
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class RegistryInquiry(db.Model):
    """One logged inquiry: which employer's user asked, when, for which post, and the answer. The
    person is kept as keyed hashes, and sealed in `person` where a notice, review or re-check needs it
    (single inquiries, and the rows of a batch that did not answer `no_record`)."""

    __tablename__ = "registry_inquiries"
    __table_args__ = (
        CheckConstraint(one_of("result", INQUIRY_RESULTS), name="result"),
        CheckConstraint("consent", name="consent"),  # no inquiry without the person's consent
        CheckConstraint("result = 'no_record' OR person IS NOT NULL", name="person_kept"),
        Index("ix_registry_inquiries_agency_time", "agency_id", "created_at"),
        # The rate limit and the enumeration watch read an employer's recent single inquiries.
        Index("ix_registry_inquiries_single", "agency_id", "created_at",
              sqlite_where=text("job_id IS NULL"), postgresql_where=text("job_id IS NULL")),
        UniqueConstraint("job_id", "row_no", name="uq_registry_inquiries_job_row"),  # also finds a batch's rows
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    row_no: Mapped[int | None] = mapped_column(Integer)
    id_hmac: Mapped[str] = mapped_column(String(64))
    name_dob_hmac: Mapped[str] = mapped_column(String(64))
    person: Mapped[bytes | None] = mapped_column(LargeBinary, info={"sealed": "registry-inquiry"})
    post: Mapped[str] = mapped_column(String(120), default="")
    consent: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[str] = mapped_column(String(16))
    # The entry behind a `record` or `pending_review` answer: for maintainers only, never shown to employers.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("registry_entries.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    agency: Mapped[Agency] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    recheck: Mapped[RegistryRecheck | None] = relationship(back_populates="inquiry", uselist=False)


class RegistryRecheck(db.Model):
    """An employer's request to re-check a `record` answer, resolved by a maintainer."""

    __tablename__ = "registry_rechecks"
    __table_args__ = (CheckConstraint(one_of("status", RECHECK_STATUSES), name="status"),
                      CheckConstraint("(status = 'open') = (resolved_by_id IS NULL)", name="resolved"))

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("registry_inquiries.id"), unique=True)
    reason: Mapped[str] = mapped_column(Sealed("registry_rechecks.reason"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="open")
    # Shown to the employer: says what was re-checked and the outcome, never the record's content.
    resolution: Mapped[str] = mapped_column(Sealed("registry_rechecks.resolution"), default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    inquiry: Mapped[RegistryInquiry] = relationship(back_populates="recheck")


class RegistryAlert(db.Model):
    """A pattern in an employer's inquiries that looks like enumeration, for maintainers to look at
    (one per employer, kind and day)."""

    __tablename__ = "registry_alerts"
    __table_args__ = (CheckConstraint(one_of("kind", ALERT_KINDS), name="kind"),
                      UniqueConstraint("agency_id", "kind", "day", name="uq_registry_alerts_daily"))

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(String(24))
    day: Mapped[dt.date] = mapped_column(Date)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    agency: Mapped[Agency] = relationship()
