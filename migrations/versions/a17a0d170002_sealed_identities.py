"""Identities and sensitive notes sealed at rest, blind indexes for search, per-case keys.

Every column listed below becomes LargeBinary and its rows are sealed (workflow/core/sealing.py,
with the keys of the app running the migration): the master key ring for ordinary rows, the
case's data key (table case_keys, created here) for the history and the documents, which are
never rewritten after this. Values sealed before key ids existed (register people, second-factor
secrets, emergency reasons, sealed document bytes and notice data) are sealed again in the new
format. Cases get the blind indexes of the child's name and ID number and the age band at referral.

Revision ID: a17a0d170002
Revises: a17a0d170001
Create Date: 2026-12-03 17:00:00

"""
import base64
import datetime as dt
import json
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from workflow.core import identity, keys, sealing

# revision identifiers, used by Alembic.
revision = 'a17a0d170002'
down_revision = 'a17a0d170001'
branch_labels = None
depends_on = None

S, T, J, D = sa.String, sa.Text(), sa.JSON(), sa.Date()
# table: [(column, type before, nullable, how its plaintext reads: "str", "date" or "json")]
SEALED = {
    "suspects": [("name", S(120), False, "str"), ("relation_to_victims", S(80), False, "str")],
    "cases": [("referral_detail", T, False, "str"), ("child_name", S(120), False, "str"),
              ("child_birth_date", D, False, "date"), ("child_id_number", S(32), True, "str"),
              ("consent_given_by", S(120), True, "str"), ("consent_note", T, False, "str"),
              ("suspend_reason", T, True, "str")],
    "contacts": [("name", S(120), False, "str"), ("relation", S(60), False, "str"), ("phone", S(40), False, "str")],
    "forensic_exams": [("findings", T, False, "str"), ("exception_reason", T, True, "str"),
                       ("waive_reason", T, True, "str")],
    "injuries": [("body_site", S(80), False, "str"), ("description", T, False, "str")],
    "samples": [("kind", S(80), False, "str")],
    "custody_transfers": [("from_name", S(120), False, "str"), ("to_name", S(120), False, "str")],
    "interviews": [("notes", T, False, "str")],
    "interview_attendees": [("name", S(120), False, "str")],
    "reinterview_requests": [("reason", T, False, "str")],
    "psych_records": [("summary", T, False, "str"), ("private_notes", T, False, "str")],
    "judgments": [("defendant_name", S(120), False, "str")],
    "aid_applications": [("flag_note", T, False, "str"), ("applicant_name", S(120), True, "str"),
                         ("applicant_phone", S(40), False, "str"), ("statement", T, False, "str"),
                         ("finances_note", T, False, "str"), ("supervised_account", S(200), False, "str"),
                         ("over_cap_reason", T, False, "str"), ("proposal_note", T, False, "str"),
                         ("decision_note", T, False, "str"), ("meeting", J, True, "json")],
    "aid_verifications": [("request", T, False, "str"), ("report", T, True, "str")],
    "aid_ledger": [("note", T, False, "str")],
    "referrals": [("note", T, False, "str"), ("outcome", T, False, "str"), ("close_reason", T, True, "str")],
    "visits": [("attendees", T, False, "str"), ("wellbeing", T, False, "str"), ("school_attendance", T, False, "str"),
               ("needs", T, False, "str"), ("aid_use", T, False, "str"), ("cancel_reason", T, True, "str")],
    "registry_changes": [("reason", T, False, "str"), ("decision_note", T, False, "str")],
    "registry_rechecks": [("reason", T, False, "str"), ("resolution", T, False, "str")],
    # Never rewritten after this: sealed under the case's key.
    "events": [("changes", J, False, "json"), ("reason", T, True, "str")],
    "documents": [("data", J, False, "json")],
}
CASE_KEYED = ("events", "documents")
SERVER_DEFAULTS = {("visits", "aid_use"): ""}
NULLABLE_NOW = {("cases", "child_birth_date")}  # retention erases it
# Sealed before key ids (12-byte nonce + ciphertext, under REGISTRY_ENCRYPTION_KEY): (table, column, purpose)
LEGACY = (("users", "otp_secret", "otp_secret"), ("emergency_accesses", "reason", "emergency_access.reason"),
          ("emergency_accesses", "review_note", "emergency_access.review_note"),
          ("registry_entries", "person", "registry-entry"), ("registry_changes", "proposed", "registry-entry"),
          ("registry_changes", "previous", "registry-entry"), ("registry_inquiries", "person", "registry-inquiry"))
LEGACY_DOCUMENT_DATA = "sealed-document-data"  # a register notice's data: {it: base64 of the sealed snapshot}
BATCH = 500


# --- keys and formats -----------------------------------------------------------------------------

def _legacy_key() -> bytes:
    configured = current_app.config.get("REGISTRY_ENCRYPTION_KEY")
    return base64.urlsafe_b64decode(configured) if configured else sealing.development_key("encryption")


def _legacy_open(blob: bytes, purpose: str) -> bytes:
    try:
        return AESGCM(_legacy_key()).decrypt(blob[:12], blob[12:], purpose.encode())
    except InvalidTag:
        raise RuntimeError(f"a value sealed for {purpose!r} does not open with REGISTRY_ENCRYPTION_KEY (or the key "
                           "derived from SECRET_KEY): run the migration with the key it was sealed with") from None


def _legacy_seal(content: bytes, purpose: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_legacy_key()).encrypt(nonce, content, purpose.encode())


def _text(raw) -> str | None:
    if raw is None:
        return None
    return bytes(raw).decode() if isinstance(raw, (bytes, memoryview)) else str(raw)


def _plain(text: str, kind: str):
    if kind == "date":
        return dt.date.fromisoformat(text[:10])
    return json.loads(text) if kind == "json" else text


def _as_text(value, kind: str) -> str:
    if kind == "date":
        return value.isoformat()
    return json.dumps(value) if kind == "json" else value


class CaseKeys:
    """The data keys of this migration's connection: found, created (upgrade) or read (downgrade)."""

    def __init__(self, bind) -> None:
        self.bind = bind
        self.table = sa.Table("case_keys", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                              sa.Column("case_id", sa.Integer), sa.Column("key_id", sa.Integer),
                              sa.Column("wrapped", sa.LargeBinary), sa.Column("created_at", sa.DateTime))
        self.by_case: dict[int, tuple[int, bytes]] = {}
        self.by_row: dict[int, bytes] = {}

    def seal(self, case_id: int | None, content: bytes, purpose: str) -> bytes:
        if not sealing.sealing_enabled():
            return bytes([sealing.PLAIN]) + content
        if case_id is None or case_id not in self.by_case:
            key, wrapped = sealing.new_data_key(case_id)
            row = self.bind.execute(sa.insert(self.table).values(
                case_id=case_id, key_id=sealing.current_key_id(), wrapped=wrapped,
                created_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))).inserted_primary_key[0]
            if case_id is None:
                return sealing.seal_under(row, key, content, purpose)
            self.by_case[case_id] = (row, key)
        row, key = self.by_case[case_id]
        return sealing.seal_under(row, key, content, purpose)

    def open(self, blob: bytes, purpose: str) -> bytes | None:
        """The content, None when its key was shredded."""
        if blob[:1] != bytes([sealing.DATA_KEY]):
            return sealing.unseal_bytes(blob, purpose)
        if not self.by_row:
            for row in self.bind.execute(sa.select(self.table.c.id, self.table.c.case_id, self.table.c.wrapped)):
                self.by_row[row.id] = sealing.unseal_bytes(row.wrapped, sealing.wrap_purpose(row.case_id))
        key = self.by_row.get(sealing.data_key_of(blob))
        return None if key is None else sealing.open_under(key, blob, purpose)


# --- schema ---------------------------------------------------------------------------------------

def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _triggers_off(table: str) -> list[str]:
    """Let the migration rewrite an append-only table: PostgreSQL disables its triggers; SQLite
    drops them (copying the table would anyway) and they are created again after."""
    if _pg():
        op.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        return []
    rows = op.get_bind().execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                         "AND tbl_name = :t"), {"t": table}).all()
    for name, _sql in rows:
        op.execute(f"DROP TRIGGER {name}")
    return [sql for _name, sql in rows]


def _triggers_on(table: str, saved: list[str]) -> None:
    if _pg():
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    for sql in saved:
        op.execute(sql)


def _retype(table: str, to_binary: bool) -> None:
    for column, _old, _nullable, _kind in SEALED[table]:
        if (table, column) in SERVER_DEFAULTS and to_binary:
            with op.batch_alter_table(table) as batch:
                batch.alter_column(column, server_default=None)
    # Back to the old types, SQLite's copy of the table must cast nothing (the values are text again,
    # and a CAST to DATE would keep only the year): it reads the columns as of their old type.
    reflect = [] if to_binary else [sa.Column(column, old, nullable=nullable or (table, column) in NULLABLE_NOW)
                                    for column, old, nullable, _kind in SEALED[table]]
    with op.batch_alter_table(table, reflect_args=reflect) as batch:
        for column, old, nullable, _kind in SEALED[table]:
            now = nullable or (table, column) in NULLABLE_NOW
            if to_binary:
                batch.alter_column(column, existing_type=old, type_=sa.LargeBinary(), existing_nullable=nullable,
                                   nullable=now, postgresql_using=f"convert_to({column}::text, 'UTF8')")
            else:
                pg_type = old.compile(dialect=op.get_bind().dialect)
                batch.alter_column(column, existing_type=sa.LargeBinary(), type_=old, existing_nullable=now,
                                   nullable=nullable, postgresql_using=f"convert_from({column}, 'UTF8')::{pg_type}")
    for column, _old, _nullable, _kind in SEALED[table]:
        if (table, column) in SERVER_DEFAULTS and not to_binary:
            with op.batch_alter_table(table) as batch:
                batch.alter_column(column, server_default=SERVER_DEFAULTS[(table, column)])


# --- data -----------------------------------------------------------------------------------------

def _batches(table: str, columns: list[str], pk: str = "id"):
    """The rows (primary key first) of `table`, in batches, by primary key."""
    bind, last = op.get_bind(), None
    while True:
        stmt = f"SELECT {', '.join([pk, *columns])} FROM {table} "
        if last is None:
            rows = bind.execute(sa.text(f"{stmt}ORDER BY {pk} LIMIT {BATCH}")).all()
        else:
            rows = bind.execute(sa.text(f"{stmt}WHERE {pk} > :last ORDER BY {pk} LIMIT {BATCH}"), {"last": last}).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _write(table: str, types: dict, updates: list[dict], pk: str = "id") -> None:
    """UPDATE the rows of `updates` ({"_pk": key, column: value}) of the columns `types` ({column: type})."""
    if updates:
        target = sa.table(table, sa.column(pk), *(sa.column(c, kind) for c, kind in types.items()))
        op.get_bind().execute(target.update().where(target.c[pk] == sa.bindparam("_pk"))
                              .values({c: sa.bindparam(c) for c in types}), updates)


def _seal_rows(table: str, case_keys: CaseKeys) -> None:
    spec = SEALED[table]
    names = [column for column, *_rest in spec]
    extra = ["case_id"] if table in CASE_KEYED else []
    if table == "cases":
        extra = ["created_at"]
    for rows in _batches(table, names + extra):
        updates = []
        for row in rows:
            values = {"_pk": row[0]}
            plain = {}
            for (column, _old, _nullable, kind), raw in zip(spec, row[1:]):
                text = _text(raw)
                if text is None:
                    values[column] = None
                    continue
                if table == "documents" and LEGACY_DOCUMENT_DATA in text and row[-1] is None:
                    sealed = base64.b64decode(json.loads(text)[LEGACY_DOCUMENT_DATA])
                    text = _legacy_open(sealed, LEGACY_DOCUMENT_DATA).decode()
                plain[column] = value = _plain(text, kind)
                content, purpose = sealing.encode_value(value), f"{table}.{column}"
                values[column] = (case_keys.seal(row[-1], content, purpose) if table in CASE_KEYED
                                  else sealing.seal_bytes(content, purpose))
            if table == "cases":
                values["child_name_index"] = sealing.blind_value(plain.get("child_name"), "cases.child_name")
                values["child_id_number_index"] = sealing.blind_value(plain.get("child_id_number"),
                                                                      "cases.child_id_number", upper=True)
                created = row[-1] if isinstance(row[-1], dt.datetime) else dt.datetime.fromisoformat(str(row[-1]))
                values["child_age_band"] = identity.age_band(plain["child_birth_date"], created.date())
            updates.append(values)
        types = dict.fromkeys(names, sa.LargeBinary)
        if table == "cases":
            types |= dict.fromkeys(("child_name_index", "child_id_number_index", "child_age_band"), sa.String)
        _write(table, types, updates)


def _open_rows(table: str, case_keys: CaseKeys) -> None:
    spec = SEALED[table]
    names = [column for column, *_rest in spec]
    binary = _pg()  # PostgreSQL's column is still bytea: it gets the UTF-8 bytes, converted after
    for rows in _batches(table, names + (["case_id"] if table == "documents" else [])):
        updates = []
        for row in rows:
            values = {"_pk": row[0]}
            for (column, _old, nullable, kind), raw in zip(spec, row[1:]):
                if raw is None:
                    values[column] = None
                    continue
                content = case_keys.open(bytes(raw), f"{table}.{column}")
                if content is None:  # erased under retention
                    text = None if nullable else ("{}" if kind == "json" else "")
                else:
                    value = sealing.decode_value(content)
                    text = _as_text(value, kind)
                    if table == "documents" and row[-1] is None:  # a register notice's data, as it was kept
                        sealed = _legacy_seal(json.dumps(value, ensure_ascii=False).encode(), LEGACY_DOCUMENT_DATA)
                        text = json.dumps({LEGACY_DOCUMENT_DATA: base64.b64encode(sealed).decode()})
                values[column] = text.encode() if binary and text is not None else text
            updates.append(values)
        _write(table, dict.fromkeys(names, sa.LargeBinary if binary else sa.Text), updates)


def _reseal_legacy(to_new: bool) -> None:
    for table, column, purpose in LEGACY:
        for rows in _batches(table, [column]):
            updates = []
            for pk, raw in rows:
                if raw is not None:
                    content = _legacy_open(bytes(raw), purpose) if to_new else sealing.unseal_bytes(bytes(raw), purpose)
                    updates.append({"_pk": pk, column: sealing.seal_bytes(content, purpose) if to_new
                                    else _legacy_seal(content, purpose)})
            _write(table, {column: sa.LargeBinary}, updates)


def _case_of_bytes() -> dict[str, int]:
    return {key: case for key, case in op.get_bind().execute(
        sa.text("SELECT storage_key, case_id FROM documents WHERE case_id IS NOT NULL"))}


def _sealed_again(key: str, content: bytes, cases: dict[str, int], case_keys: CaseKeys) -> bytes | None:
    """Stored document bytes in the new format (None: nothing to do): `sealed/` from the old
    format, a case's PDF under its case key, a batch's archive under the master key."""
    if key.startswith("sealed/"):
        try:
            return sealing.seal_bytes(_legacy_open(content, key), key)
        except RuntimeError as legacy:
            try:
                sealing.unseal_bytes(content, key)  # sealed in the new format already (a file of a second run)
            except Exception:
                raise legacy from None
            return None
    if content[:1] not in (b"%", b"P"):  # not a plain PDF or ZIP: sealed already
        return None
    if key in cases:
        return case_keys.seal(cases[key], content, key)
    return sealing.seal_bytes(content, key) if key.startswith("zip/") else None


def _opened_again(key: str, content: bytes, case_keys: CaseKeys) -> bytes | None:
    if content[:1] not in (b"\x00", b"\x01", b"\x02"):
        return None
    plain = case_keys.open(content, key)
    if plain is None:
        return None
    return _legacy_seal(plain, key) if key.startswith("sealed/") else plain


def _store(to_new: bool, case_keys: CaseKeys) -> None:
    cases = _case_of_bytes() if to_new else {}
    bind = op.get_bind()
    for rows in _batches("document_blobs", [], pk="key"):
        updates = []
        for (key,) in rows:
            content = bytes(bind.execute(sa.text("SELECT content FROM document_blobs WHERE key = :k"),
                                         {"k": key}).scalar())
            new = _sealed_again(key, content, cases, case_keys) if to_new else _opened_again(key, content, case_keys)
            if new is not None:
                updates.append({"_pk": key, "content": new})
        _write("document_blobs", {"content": sa.LargeBinary}, updates, pk="key")
    if current_app.config.get("DOCUMENT_STORE") != "file":
        return
    root = Path(current_app.config["DOCUMENT_DIR"])
    for path in sorted(p for folder in ("sealed", "pdf", "zip") for p in (root / folder).glob("*.*")
                       if not p.name.startswith(".")):
        key = f"{path.parent.name}/{path.name}"
        content = path.read_bytes()
        new = _sealed_again(key, content, cases, case_keys) if to_new else _opened_again(key, content, case_keys)
        if new is not None:
            tmp = path.with_name(f".tmp-{path.name}")
            tmp.write_bytes(new)
            os.replace(tmp, path)


def _key_check(to_new: bool) -> None:
    """The settings row of the keys the data is sealed with: per master key id from now on."""
    bind = op.get_bind()
    raw = bind.execute(sa.text("SELECT value FROM settings WHERE key = :k"), {"k": sealing.KEY_CHECK}).scalar()
    if raw is None:
        return
    value = raw if isinstance(raw, dict) else json.loads(raw)
    if to_new:
        value = {"REGISTRY_HMAC_KEY": value.get("REGISTRY_HMAC_KEY"),
                 "SEALING_KEYS": keys.check_values()["SEALING_KEYS"]}
    else:
        value = {"REGISTRY_ENCRYPTION_KEY": keys.check_value(_legacy_key()),
                 "REGISTRY_HMAC_KEY": value.get("REGISTRY_HMAC_KEY")}
    bind.execute(sa.text("UPDATE settings SET value = :v WHERE key = :k").bindparams(sa.bindparam("v", type_=sa.JSON)),
                 {"v": value, "k": sealing.KEY_CHECK})


# --- the migration --------------------------------------------------------------------------------

def upgrade():
    op.create_table(
        'case_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('key_id', sa.Integer(), nullable=False),
        sa.Column('wrapped', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_keys_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_keys')),
        sa.UniqueConstraint('case_id', name=op.f('uq_case_keys_case_id')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('cases') as batch:
        batch.drop_index('ix_cases_child_name')
        batch.drop_index('ix_cases_child_id_number')
        batch.add_column(sa.Column('child_name_index', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('child_age_band', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('child_id_number_index', sa.String(length=64), nullable=True))
        batch.create_index(batch.f('ix_cases_child_name_index'), ['child_name_index'], unique=False)
        batch.create_index(batch.f('ix_cases_child_id_number_index'), ['child_id_number_index'], unique=False)
    case_keys = CaseKeys(op.get_bind())
    for table in SEALED:
        saved = _triggers_off(table) if table in CASE_KEYED else []
        _retype(table, to_binary=True)
        _seal_rows(table, case_keys)
        if table in CASE_KEYED:
            _triggers_on(table, saved)
    _reseal_legacy(to_new=True)
    _store(to_new=True, case_keys=case_keys)
    _key_check(to_new=True)


def downgrade():
    case_keys = CaseKeys(op.get_bind())
    _store(to_new=False, case_keys=case_keys)
    _reseal_legacy(to_new=False)
    for table in SEALED:
        saved = _triggers_off(table) if table in CASE_KEYED else []
        _open_rows(table, case_keys)
        _retype(table, to_binary=False)
        if table in CASE_KEYED:
            _triggers_on(table, saved)
    _key_check(to_new=False)
    with op.batch_alter_table('cases') as batch:
        batch.drop_index(batch.f('ix_cases_child_id_number_index'))
        batch.drop_index(batch.f('ix_cases_child_name_index'))
        batch.drop_column('child_id_number_index')
        batch.drop_column('child_age_band')
        batch.drop_column('child_name_index')
        batch.create_index('ix_cases_child_name', ['child_name'], unique=False)
        batch.create_index('ix_cases_child_id_number', ['child_id_number'], unique=False)
    op.drop_table('case_keys')
