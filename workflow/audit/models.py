"""The audit trail's tables: the records, the head of each chain and the signed checkpoints.

Records are spread over `SHARDS` chains by user, so that two people's page views never wait for
each other; each chain is one sequence (`seq`) whose records carry the SHA-256 of their canonical
content, the SHA-256 chaining it to the previous record, and an HMAC of that under AUDIT_KEY,
which the database does not hold. Database triggers refuse UPDATE and DELETE of records and
checkpoints (and the application's database role holds only INSERT and SELECT on them)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.core.extensions import db
from workflow.core.models import utcnow

# Chains of the trail (records go to chain user_id % SHARDS; nobody's to chain 0). Fixed: the
# migration creates one head per chain.
SHARDS = 8

KINDS = ("read", "write", "login", "login_failed", "logout", "export", "search", "download", "emergency",
         "alert", "system")


class AuditRecord(db.Model):
    __tablename__ = "audit_records"
    __table_args__ = (
        UniqueConstraint("shard", "seq", name="uq_audit_records_shard_seq"),
        Index("ix_audit_records_user_at", "user_id", "at"),
        Index("ix_audit_records_case_at", "case_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shard: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # Plain ids, no foreign keys: the trail outlives what it names and never changes with it.
    user_id: Mapped[int | None] = mapped_column(Integer)
    session_ref: Mapped[str] = mapped_column(String(24), default="")  # "s:<session id>" or "t:<token id>"
    address: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_ids: Mapped[list] = mapped_column(JSON, default=list)
    case_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))

    user: Mapped[User | None] = relationship(primaryjoin="foreign(AuditRecord.user_id) == User.id",
                                             viewonly=True)


class AuditHead(db.Model):
    """The last record of a chain: appending takes this row's lock, so a chain grows one record at a
    time while other chains grow beside it."""

    __tablename__ = "audit_heads"

    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    chain_hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(db.Model):
    """A chain's head at a moment, signed with AUDIT_KEY: records up to it cannot be removed from
    the end of the chain without `audit verify` noticing."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("shard", "seq", name="uq_audit_checkpoints_shard_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shard: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    chain_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    signature: Mapped[str] = mapped_column(String(64))
