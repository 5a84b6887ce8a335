"""The chains of the audit trail: appending a record, signing checkpoints, and walking the chains
(and the case history folded into them) to find the first record that was changed, removed,
added or moved.

A record's `content_hash` is the SHA-256 of its canonical content (every column but the hashes,
as sorted JSON); its `chain_hash` is the SHA-256 of the previous record's chain hash and its own
content hash; its `mac` is the HMAC-SHA256 of the chain hash under AUDIT_KEY. Someone who can
write to the database but does not hold AUDIT_KEY can neither change a record nor add one that
verifies; removing records from the end of a chain shows against its last signed checkpoint,
which appending writes every `CHECKPOINT_EVERY` records and `audit checkpoint` (run by the
escalation runner) at any time.

Each history event (`events`) written in a transaction is folded into that transaction's audit
record as (event id, SHA-256 of the event row as stored), so the history verifies the same way.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import TypeDecorator, bindparam, insert, inspect, select, type_coerce, update

from workflow.audit.models import SHARDS, AuditCheckpoint, AuditHead, AuditRecord
from workflow.core.extensions import db
from workflow.core.models import Event, utcnow
from workflow.core.sealing import development_key

GENESIS = "0" * 64
CHECKPOINT_EVERY = 100
BATCH = 2000
# The columns a record's content hash covers, in the canonical order.
CONTENT = ("shard", "seq", "at", "user_id", "session_ref", "address", "action", "kind", "object_type",
           "object_ids", "case_id", "outcome", "details")


def audit_key() -> bytes:
    configured = current_app.config.get("AUDIT_KEY")
    return configured.encode() if configured else development_key("audit")


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    return value


def canonical(values: dict) -> bytes:
    return json.dumps({k: _plain(v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str).encode()


def content_hash(values: dict) -> str:
    return hashlib.sha256(canonical({k: values.get(k) for k in CONTENT})).hexdigest()


def link(previous: str, content: str) -> str:
    return hashlib.sha256(f"{previous}{content}".encode()).hexdigest()


def sign(text: str) -> str:
    return hmac.new(audit_key(), text.encode(), hashlib.sha256).hexdigest()


def checkpoint_text(shard: int, seq: int, chain_hash: str) -> str:
    return f"checkpoint:{shard}:{seq}:{chain_hash}"


# --- appending ----------------------------------------------------------------------------------

def shard_of(user_id: int | None) -> int:
    return user_id % SHARDS if user_id else 0


# The statements of an append, built once (building them per record cost more than running them).
_HEADS, _RECORDS = AuditHead.__table__, AuditRecord.__table__
_ADVANCE = (update(_HEADS).where(_HEADS.c.shard == bindparam("head")).values(seq=_HEADS.c.seq + 1)
            .returning(_HEADS.c.seq, _HEADS.c.chain_hash))
_MOVE_HEAD = update(_HEADS).where(_HEADS.c.shard == bindparam("head")).values(chain_hash=bindparam("last"))
_INSERT_RECORD = insert(_RECORDS)


def append(values: dict, session=None) -> None:
    """Add a record to its user's chain in the transaction of `session` (default: the request's).
    Advancing the head takes its row lock until commit, so concurrent writers of one chain queue
    there and never fork it; other chains are not held up."""
    connection = (session or db.session).connection()
    shard = shard_of(values.get("user_id"))
    head = connection.execute(_ADVANCE, {"head": shard}).one_or_none()
    if head is None:  # an emptied database (the migration creates every head)
        connection.execute(insert(_HEADS), [{"shard": shard, "seq": 0, "chain_hash": GENESIS}])
        head = connection.execute(_ADVANCE, {"head": shard}).one()
    seq, previous = head
    row = {"at": utcnow(), "session_ref": "", "address": "", "object_type": None, "object_ids": [],
           "case_id": None, "details": {}, **values, "shard": shard, "seq": seq}
    row["content_hash"] = content_hash(row)
    row["chain_hash"] = link(previous, row["content_hash"])
    row["mac"] = sign(row["chain_hash"])
    connection.execute(_INSERT_RECORD, [row])
    connection.execute(_MOVE_HEAD, {"head": shard, "last": row["chain_hash"]})
    if seq % CHECKPOINT_EVERY == 0:
        _checkpoint(shard, seq, row["chain_hash"], session)


def _checkpoint(shard: int, seq: int, chain_hash: str, session=None) -> None:
    (session or db.session).execute(insert(AuditCheckpoint), [{"shard": shard, "seq": seq, "chain_hash": chain_hash,
                                                  "at": utcnow(),
                                                  "signature": sign(checkpoint_text(shard, seq, chain_hash))}])


def checkpoint_all() -> int:
    """Sign each chain's head that no checkpoint covers yet; the caller commits. Returns how many."""
    signed = 0
    for shard in range(SHARDS):
        head = db.session.execute(
            select(AuditHead.seq, AuditHead.chain_hash).where(AuditHead.shard == shard).with_for_update()).one_or_none()
        if head is None:  # an emptied database: the chain starts with its first record
            continue
        seq, chain_hash = head
        latest = db.session.scalar(select(AuditCheckpoint.seq).where(AuditCheckpoint.shard == shard)
                                   .order_by(AuditCheckpoint.seq.desc()).limit(1))
        if seq and seq != latest:
            _checkpoint(shard, seq, chain_hash)
            signed += 1
    return signed


# --- the history, as stored ---------------------------------------------------------------------

def _stored(column):
    """A column as the database holds it (sealed values as their bytes, not opened)."""
    return type_coerce(column, column.type.impl) if isinstance(column.type, TypeDecorator) else column


def stored_rows(table, ids: Iterable[int] | None = None, after: int = 0, session=None) -> Iterator[dict]:
    """Rows of `table` as stored, by id: the given ids, or all after `after` in batches."""
    session = session or db.session
    columns = [_stored(c).label(c.name) for c in table.columns]
    if ids is not None:
        ids = list(ids)
        if ids:
            yield from (dict(r._mapping) for r in session.execute(
                select(*columns).where(table.c.id.in_(ids)).order_by(table.c.id)))
        return
    while True:
        rows = session.execute(select(*columns).where(table.c.id > after).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        yield from (dict(r._mapping) for r in rows)
        after = rows[-1].id


def row_hash(row: dict) -> str:
    """SHA-256 of a stored row; empty columns left out, so a column added later (empty in older
    rows) changes no older row's hash."""
    return hashlib.sha256(canonical({k: v for k, v in row.items() if v is not None})).hexdigest()


def event_hashes(ids: Iterable[int], session=None) -> list[list]:
    """[event id, hash of the stored row] of the given history events (folded into a record)."""
    return [[row["id"], row_hash(row)] for row in stored_rows(Event.__table__, ids, session=session)]


# --- verifying ----------------------------------------------------------------------------------

@dataclass
class Break:
    """The first thing found wrong: where, and what."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class Report:
    records: int = 0
    events: int = 0
    checkpoints: int = 0
    unsigned_tail: int = 0  # records after each chain's last checkpoint, summed
    first_break: Break | None = None


def _record_columns():
    return [getattr(AuditRecord, name) for name in (*CONTENT, "id", "content_hash", "chain_hash", "mac")]


def _verify_chain(shard: int, report: Report, folded: dict[int, tuple[str, int]]) -> Break | None:
    checkpoints = {seq: (chain_hash, signature) for seq, chain_hash, signature in db.session.execute(
        select(AuditCheckpoint.seq, AuditCheckpoint.chain_hash, AuditCheckpoint.signature)
        .where(AuditCheckpoint.shard == shard))}
    for seq, (chain_hash, signature) in checkpoints.items():
        if not hmac.compare_digest(signature, sign(checkpoint_text(shard, seq, chain_hash))):
            return Break(f"checkpoint of chain {shard} at {seq}", "its signature does not match (forged or changed)")
    previous, expected_seq, last_id = GENESIS, 1, 0
    while True:
        rows = db.session.execute(select(*_record_columns()).where(AuditRecord.shard == shard,
                                                                   AuditRecord.seq >= expected_seq)
                                  .order_by(AuditRecord.seq).limit(BATCH)).all()
        for row in rows:
            values = dict(row._mapping)
            where = f"audit record {values['id']} (chain {shard}, #{values['seq']})"
            if values["seq"] != expected_seq:
                return Break(f"chain {shard} at #{expected_seq}",
                             f"record missing (deleted); the chain goes on at #{values['seq']}")
            if values["id"] <= last_id:
                return Break(where, "out of order (records were moved or inserted)")
            if content_hash(values) != values["content_hash"]:
                return Break(where, "its content was modified")
            if link(previous, values["content_hash"]) != values["chain_hash"]:
                return Break(where, "does not follow the record before it (inserted, moved or rewritten)")
            if not hmac.compare_digest(values["mac"], sign(values["chain_hash"])):
                return Break(where, "its signature does not match (forged without the audit key)")
            if seq_checkpoint := checkpoints.get(values["seq"]):
                if seq_checkpoint[0] != values["chain_hash"]:
                    return Break(where, "differs from the signed checkpoint at this position")
            for event_id, digest in (values["details"] or {}).get("events", []):
                folded[event_id] = (digest, values["id"])
            previous, expected_seq, last_id = values["chain_hash"], expected_seq + 1, values["id"]
            report.records += 1
        if len(rows) < BATCH:
            break
    last = expected_seq - 1
    head = db.session.execute(select(AuditHead.seq, AuditHead.chain_hash).where(AuditHead.shard == shard)
                              ).one_or_none() or (0, GENESIS)
    head = SimpleNamespace(seq=head[0], chain_hash=head[1])
    signed = max(checkpoints, default=0)
    if signed > last:
        return Break(f"chain {shard}", f"records #{last + 1} to #{signed} are missing (removed after the signed "
                                       f"checkpoint at #{signed})")
    if head.seq != last or (last and head.chain_hash != previous):
        return Break(f"chain {shard}", f"its head says #{head.seq} but the records end at #{last}")
    report.checkpoints += len(checkpoints)
    report.unsigned_tail += last - signed
    return None


def verify() -> Report:
    """Walk every chain, then the case history against what the chains hold about it."""
    report = Report()
    folded: dict[int, tuple[str, int]] = {}
    for shard in range(SHARDS):
        found = _verify_chain(shard, report, folded)
        if found is not None:
            report.first_break = found
            return report
    seen = set()
    for row in stored_rows(Event.__table__):
        report.events += 1
        seen.add(row["id"])
        entry = folded.get(row["id"])
        if entry is None:
            report.first_break = Break(f"history event {row['id']} (case {row['case_id']})",
                                       "no audit record holds it (inserted outside OneStop)")
            return report
        if row_hash(row) != entry[0]:
            report.first_break = Break(f"history event {row['id']} (case {row['case_id']})",
                                       f"modified since audit record {entry[1]} recorded it")
            return report
    missing = sorted(set(folded) - seen)
    if missing:
        report.first_break = Break(f"history event {missing[0]}",
                                   f"deleted (audit record {folded[missing[0]][1]} recorded it)")
    return report


def check_key() -> None:
    """Refuse to start with an AUDIT_KEY other than the one the trail was signed with: records
    signed from then on would not verify beside the older ones."""
    if not inspect(db.engine).has_table(AuditCheckpoint.__tablename__):
        return
    latest = db.session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).scalar()
    if latest is None:
        latest_record = db.session.execute(select(AuditRecord.mac, AuditRecord.chain_hash)
                                           .order_by(AuditRecord.id.desc()).limit(1)).first()
        if latest_record is None or hmac.compare_digest(latest_record.mac, sign(latest_record.chain_hash)):
            return
    elif hmac.compare_digest(latest.signature, sign(checkpoint_text(latest.shard, latest.seq, latest.chain_hash))):
        return
    key = "AUDIT_KEY" if current_app.config.get("AUDIT_KEY") else "AUDIT_KEY (unset: derived from SECRET_KEY)"
    raise RuntimeError(f"{key} is not the key this database's audit trail was signed with; start with that key")

