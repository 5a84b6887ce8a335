"""Sealing at rest: AES-256-GCM under a ring of master keys with key ids (SEALING_KEYS; unset, key
id 1 is REGISTRY_ENCRYPTION_KEY, derived from SECRET_KEY in development), per-case data keys for
the rows that are never rewritten, the `Sealed` column type, and keyed hashes (the register's
matching, the blind indexes that search uses).

A sealed value is a blob whose first byte says how it was sealed:

    0x00 + plaintext                               unencrypted (SEALING_ENABLED off: measuring only)
    0x01 + key id + 12-byte nonce + ciphertext     under master key `key id`
    0x02 + data key (4 bytes) + nonce + ciphertext under a data key of `case_keys`

The ciphertext carries its 16-byte tag; the associated data is the header and the purpose (the
table and column, "cases.child_name", or another name: "otp_secret"), so a value opens only where
it was sealed. Rows that are never rewritten (the history, documents' data and bytes) are sealed
under their case's data key, itself sealed under the master key ring: rotating the master key
re-wraps data keys and leaves those rows as they are, and deleting a case's key
(`shred_case_key`, retention) leaves everything it sealed unreadable ("erased")."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app, g, has_app_context
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, TypeDecorator, delete, event, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from workflow.core import config
from workflow.core.extensions import db

# The settings row that records which keys the data was sealed and hashed with (workflow/core/keys.py).
KEY_CHECK = "key_check"
PLAIN, MASTER, DATA_KEY = 0, 1, 2
NONCE = 12


class MissingKeyError(RuntimeError):
    """A value is sealed under a master key id the configuration does not hold."""


class ErasedError(LookupError):
    """The data key a value was sealed under was shredded (retention): the value is gone."""


class Erased:
    """What a value sealed under a shredded case key reads as: shown as "erased under retention"
    by pages (and, through `__html__`, by the API's JSON)."""

    __slots__ = ()

    def __str__(self) -> str:
        return gettext("erased under retention")

    def __html__(self) -> str:
        return str(escape(str(self)))

    def __repr__(self) -> str:
        return "ERASED"


ERASED = Erased()


# --- keys ---------------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _derived(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"onestop-registry-{purpose}:{secret}".encode()).digest()


def development_key(purpose: str) -> bytes:
    """A development key derived from SECRET_KEY (production must configure its own: see config)."""
    return _derived(current_app.config["SECRET_KEY"], purpose)


@dataclass(frozen=True)
class _Ring:
    keys: dict[int, bytes]
    ciphers: dict  # key id -> AESGCM
    current: int
    enabled: bool


@lru_cache(maxsize=8)
def _ring_of(configured: str, registry: str, secret: str, enabled: bool) -> _Ring:
    if configured:
        keys = config.sealing_keys(configured)
    else:
        keys = {1: base64.urlsafe_b64decode(registry) if registry else _derived(secret, "encryption")}
    return _Ring(keys, {kid: _aead(key) for kid, key in keys.items()}, next(iter(keys)), enabled)


def _ring() -> _Ring:
    # Looked up once per value sealed or opened (the configuration may change under a running app:
    # a test, a rotation), then cached.
    settings = current_app.config
    return _ring_of(settings.get("SEALING_KEYS") or "", settings.get("REGISTRY_ENCRYPTION_KEY") or "",
                    settings["SECRET_KEY"], settings.get("SEALING_ENABLED", True) is not False)


def key_ring() -> dict[int, bytes]:
    """The master keys by key id; the first seals new values."""
    return _ring().keys


def current_key_id() -> int:
    return _ring().current


def key_label(kid: int | None = None) -> str:
    """How messages name a master key (the ring when `kid` is None)."""
    if current_app.config.get("SEALING_KEYS"):
        return "ONESTOP_SEALING_KEYS" + (f" key id {kid}" if kid is not None else "")
    if current_app.config.get("REGISTRY_ENCRYPTION_KEY"):
        return "REGISTRY_ENCRYPTION_KEY"
    return "REGISTRY_ENCRYPTION_KEY (unset: derived from SECRET_KEY)"


def _master(kid: int, ring: _Ring | None = None):
    """The cipher of master key `kid`."""
    cipher = (ring or _ring()).ciphers.get(kid)
    if cipher is None:
        raise MissingKeyError(f"a value is sealed under key id {kid}, which {key_label()} does not hold; put that "
                              "key back until `flask --app wsgi keys rotate` has re-sealed everything under it")
    return cipher


def sealing_enabled() -> bool:
    return _ring().enabled


def hmac_key() -> bytes:
    """The register's matching key (the keyed hashes of ID numbers and names), also the blind indexes'."""
    configured = current_app.config.get("REGISTRY_HMAC_KEY")
    return configured.encode() if configured else development_key("hmac")


def keyed_hash(value: str, purpose: str) -> str:
    """HMAC-SHA256 of `value` with the matching key, for `purpose`: what a dump of the database
    cannot turn back into the value by guessing (recovery codes, names typed at a login)."""
    return hmac.new(hmac_key(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def blind_value(value: str | None, purpose: str, *, upper: bool = False) -> str | None:
    """What a blind index holds for `value`: the keyed hash of its NFKC form without whitespace,
    case-folded (upper-cased for ID numbers); None when nothing is left."""
    text = "".join(unicodedata.normalize("NFKC", value or "").split())
    text = text.upper() if upper else text.casefold()
    return keyed_hash(text, f"blind:{purpose}") if text else None


# Checks, registered by the features that seal or hash data, that the keys open and match one of
# their stored values: `probe()` returns the name of the key that does not (None: it does, or there
# is no data yet). `workflow.core.keys.check_keys` runs them.
KEY_PROBES: list[Callable[[], str | None]] = []


def key_probe(probe: Callable[[], str | None]) -> Callable[[], str | None]:
    KEY_PROBES.append(probe)
    return probe


@dataclass(frozen=True)
class Resealer:
    """Sealed values that are neither in a `Sealed` column nor in a column marked
    `info={"sealed": purpose}` (files, rows whose purpose is their key): how `keys status` counts
    them ({label: values}) and `keys rotate` re-seals them (batch size -> values re-sealed,
    committing batch by batch)."""

    name: str
    count: Callable[[], dict[str, int]]
    rotate: Callable[[int], int]


RESEALERS: list[Resealer] = []


def resealer(name: str, count: Callable[[], dict[str, int]], rotate: Callable[[int], int]) -> None:
    RESEALERS.append(Resealer(name, count, rotate))


# --- sealing with the master keys -----------------------------------------------------------------

@lru_cache(maxsize=256)
def _aead(key: bytes):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def seal_bytes(content: bytes, purpose: str) -> bytes:
    """`content` sealed under the current master key (or marked unencrypted, SEALING_ENABLED off)."""
    ring = _ring()
    if not ring.enabled:
        return bytes([PLAIN]) + content
    header, nonce = bytes([MASTER, ring.current]), os.urandom(NONCE)
    return header + nonce + _master(ring.current, ring).encrypt(nonce, content, header + purpose.encode())


def unseal_bytes(blob: bytes, purpose: str) -> bytes:
    """The content of a sealed blob of any kind; raises InvalidTag for another purpose or a wrong
    key, MissingKeyError for a key id not configured, ErasedError for a shredded data key."""
    blob = bytes(blob)
    kind = blob[:1]
    if kind == b"\x01":
        return _master(blob[1]).decrypt(blob[2:2 + NONCE], blob[2 + NONCE:], blob[:2] + purpose.encode())
    if kind == b"\x02":
        return open_under(_data_key(db.session.connection(), data_key_of(blob))[0], blob, purpose)
    if kind == b"\x00":
        return blob[1:]
    raise ValueError("not a sealed value")


def seal(value, purpose: str) -> bytes:
    """A JSON-encodable `value`, sealed (see `seal_bytes`)."""
    return seal_bytes(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode(), purpose)


def unseal(blob: bytes, purpose: str):
    return json.loads(unseal_bytes(blob, purpose))


def seal_label(blob: bytes | None) -> str | None:
    """How `keys status` counts a stored value: "key 2", "case key", "unsealed" (None: NULL)."""
    if blob is None:
        return None
    kind = bytes(blob[:2])
    if kind[:1] == b"\x01":
        return f"key {kind[1]}"
    return {b"\x02": "case key", b"\x00": "unsealed"}.get(kind[:1], "unknown")


def resealed(blob: bytes | None, purpose: str) -> bytes | None:
    """The blob sealed again under the current master key; None when it is not under another master key."""
    if blob is None or bytes(blob[:1]) != b"\x01" or blob[1] == current_key_id():
        return None
    return seal_bytes(unseal_bytes(blob, purpose), purpose)


# --- typed values of `Sealed` columns -----------------------------------------------------------

def encode_value(value) -> bytes:
    if isinstance(value, str):
        return b"s" + value.encode()
    if isinstance(value, dt.datetime):
        return b"t" + value.isoformat().encode()
    if isinstance(value, dt.date):
        return b"d" + value.isoformat().encode()
    return b"j" + json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def decode_value(plain: bytes):
    tag, body = plain[:1], plain[1:]
    if tag == b"s":
        return body.decode()
    if tag == b"d":
        return dt.date.fromisoformat(body.decode())
    if tag == b"t":
        return dt.datetime.fromisoformat(body.decode())
    return json.loads(body)


# --- data keys: per case, for the rows that are never rewritten -----------------------------------

class CaseKey(db.Model):
    """A data key: 32 random bytes that seal a case's immutable rows (history, document data and
    PDF bytes), stored sealed under the master key ring (re-wrapped by `keys rotate`). Deleting
    the row (`shred_case_key`) erases everything it sealed. An immutable row without a case (a
    register notice) has a key of its own (`case_id` NULL). Ids are never reused, so a blob never
    names another key than its own."""

    __tablename__ = "case_keys"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    key_id: Mapped[int] = mapped_column(Integer)  # the master key it is sealed under
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=lambda: dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))


def wrap_purpose(case_id: int | None) -> str:
    return f"case_keys.key:{case_id if case_id is not None else '-'}"


def _cache() -> dict:
    """This request's unwrapped data keys: {"keys": {key row: (key, case)}, "cases": {case: key
    row}, "new": {key row: session}} (keys created in a transaction not yet committed)."""
    cache = g.get("_sealing_data_keys")
    if cache is None:
        cache = g._sealing_data_keys = {"keys": {}, "cases": {}, "new": {}}
    return cache


def _data_key(connection, key_row: int) -> tuple[bytes, int | None]:
    cache = _cache()["keys"]
    if key_row not in cache:
        table = CaseKey.__table__
        row = connection.execute(select(table.c.case_id, table.c.wrapped).where(table.c.id == key_row)).first()
        if row is None:
            raise ErasedError(key_row)
        cache[key_row] = (unseal_bytes(row.wrapped, wrap_purpose(row.case_id)), row.case_id)
    return cache[key_row]


def _key_for(connection, session, case_id: int | None) -> int:
    """The key row that seals the case's rows, created on first need (a row without a case gets
    one of its own)."""
    cache = _cache()
    if case_id is not None and case_id in cache["cases"]:
        return cache["cases"][case_id]
    table = CaseKey.__table__
    found = None if case_id is None else connection.execute(
        select(table.c.id).where(table.c.case_id == case_id)).scalar()
    if found is None:
        key, wrapped = new_data_key(case_id)
        found = connection.execute(insert(table).values(
            case_id=case_id, key_id=current_key_id(), wrapped=wrapped,
            created_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))).inserted_primary_key[0]
        cache["keys"][found] = (key, case_id)
        cache["new"][found] = session
    if case_id is not None:
        cache["cases"][case_id] = found
    return found


def new_data_key(case_id: int | None) -> tuple[bytes, bytes]:
    """A fresh data key for the case: (the key, the key sealed under the current master key)."""
    key = os.urandom(32)
    return key, seal_bytes(key, wrap_purpose(case_id))


def seal_under(key_row: int, key: bytes, content: bytes, purpose: str) -> bytes:
    """`content` sealed under the data key `key` of the row `key_row` of case_keys."""
    header, nonce = bytes([DATA_KEY]) + key_row.to_bytes(4, "big"), os.urandom(NONCE)
    return header + nonce + _aead(key).encrypt(nonce, content, header + purpose.encode())


def data_key_of(blob: bytes) -> int:
    """The case_keys row a blob sealed under a data key names."""
    return int.from_bytes(blob[1:5], "big")


def open_under(key: bytes, blob: bytes, purpose: str) -> bytes:
    """The content of a blob `seal_under` sealed with `key`."""
    return _aead(key).decrypt(blob[5:5 + NONCE], blob[5 + NONCE:], blob[:5] + purpose.encode())


def _seal_for(connection, session, case_id: int | None, content: bytes, purpose: str) -> bytes:
    if not sealing_enabled():
        return bytes([PLAIN]) + content
    key_row = _key_for(connection, session, case_id)
    return seal_under(key_row, _data_key(connection, key_row)[0], content, purpose)


def seal_bytes_for_case(case_id: int | None, content: bytes, purpose: str) -> bytes:
    """`content` sealed under the case's data key (created on first need), in the session's transaction."""
    return _seal_for(db.session.connection(), db.session(), case_id, content, purpose)


def seal_for_case(case_id: int | None, value, purpose: str) -> bytes:
    """A value (as `Sealed` columns take them) sealed under the case's data key."""
    return seal_bytes_for_case(case_id, encode_value(value), purpose)


def unseal_for_case(case_id: int | None, blob: bytes, purpose: str):
    """The value `seal_for_case` sealed, or ERASED once the case's key was shredded."""
    blob = bytes(blob)
    if blob[:1] == b"\x02":
        try:
            owner = _data_key(db.session.connection(), data_key_of(blob))[1]
        except ErasedError:
            return ERASED
        if owner != case_id:
            raise ValueError(f"this value is sealed under another case's key, not case {case_id}'s")
    return decode_value(unseal_bytes(blob, purpose))


def shred_case_key(case_id: int) -> None:
    """Delete the case's data key in the session's transaction (the caller commits): its history
    values, document data and PDF bytes read as erased from then on."""
    db.session.execute(delete(CaseKey).where(CaseKey.case_id == case_id))
    cache = _cache()
    key_row = cache["cases"].pop(case_id, None)
    if key_row is not None:
        cache["keys"].pop(key_row, None)
        cache["new"].pop(key_row, None)


@event.listens_for(Session, "after_commit")
def _keys_committed(session) -> None:
    if has_app_context() and "_sealing_data_keys" in g:
        new = g._sealing_data_keys["new"]
        for key_row in [k for k, owner in new.items() if owner is session]:
            del new[key_row]


@event.listens_for(Session, "after_soft_rollback")
def _keys_rolled_back(session, previous_transaction) -> None:  # noqa: ARG001
    """Keys created in a transaction that rolled back do not exist: forget them."""
    if has_app_context() and "_sealing_data_keys" in g:
        cache = g._sealing_data_keys
        gone = {k for k, owner in cache["new"].items() if owner is session}
        for key_row in gone:
            del cache["new"][key_row]
            cache["keys"].pop(key_row, None)
        cache["cases"] = {case: key_row for case, key_row in cache["cases"].items() if key_row not in gone}


# --- the column type ----------------------------------------------------------------------------

class _Presealed:
    """A value sealed before the INSERT (under its row's case key), passed through as it is."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        self.blob = blob


class Sealed(TypeDecorator):
    """A column sealed at rest: a string, date, datetime or any JSON value on the Python side,
    `purpose` (the table and column) as associated data; None stays NULL. `case_key` columns
    belong to rows that are never rewritten and are sealed under the row's case key (`case_id`)
    as the row is inserted."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, purpose: str, *, case_key: bool = False) -> None:
        super().__init__()
        self.purpose = purpose
        self.case_key = case_key

    def process_bind_param(self, value, dialect):  # noqa: ARG002
        if value is None:
            return None
        if isinstance(value, _Presealed):
            return value.blob
        if self.case_key:
            raise RuntimeError(f"{self.purpose} is sealed under its case's key as its row is added to the session")
        return seal_bytes(encode_value(value), self.purpose)

    def process_result_value(self, value, dialect):  # noqa: ARG002
        if value is None:
            return None
        try:
            return decode_value(unseal_bytes(value, self.purpose))
        except ErasedError:
            return ERASED


_CASE_KEYED: dict = {}


def _case_keyed(mapper) -> tuple:
    if mapper not in _CASE_KEYED:
        _CASE_KEYED[mapper] = tuple((prop.key, column) for prop in mapper.column_attrs for column in prop.columns
                                    if isinstance(column.type, Sealed) and column.type.case_key)
    return _CASE_KEYED[mapper]


def _default(column):
    default = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg


@event.listens_for(db.Model, "before_insert", propagate=True)
def _seal_under_case_key(mapper, connection, target) -> None:
    keyed = _case_keyed(mapper)
    if not keyed:
        return
    state = instance_state(target)
    plain = {}
    for attr, column in keyed:
        value = state.dict[attr] if attr in state.dict else _default(column)
        plain[attr] = value
        if value is not None:
            setattr(target, attr, _Presealed(_seal_for(connection, object_session(target), target.case_id,
                                                       encode_value(value), column.type.purpose)))
    state.info["sealed_plain"] = plain


@event.listens_for(db.Model, "after_insert", propagate=True)
def _show_plain(mapper, connection, target) -> None:  # noqa: ARG001
    """The object keeps its plain values after the INSERT, as if loaded."""
    for attr, value in instance_state(target).info.pop("sealed_plain", {}).items():
        set_committed_value(target, attr, value)


# --- blind indexes --------------------------------------------------------------------------------

# (class name, index attribute) -> (purpose, upper-cased)
BLIND_INDEXES: dict[tuple[str, str], tuple[str, bool]] = {}


def blind_index(source, index, *, upper: bool = False) -> None:
    """Keep the column `index` the blind value of the sealed attribute `source` (of its purpose),
    on every assignment: the object holds the right value before any flush."""
    purpose = source.property.columns[0].type.purpose
    BLIND_INDEXES[(index.class_.__name__, index.key)] = (purpose, upper)

    @event.listens_for(source, "set", propagate=True)
    def _index(target, value, oldvalue, initiator) -> None:  # noqa: ARG001
        setattr(target, index.key, blind_value(value, purpose, upper=upper))


def blind_match(index, text: str):
    """SQL condition: `index` holds the blind value of `text` (an exact match on the whole value)."""
    purpose, upper = BLIND_INDEXES[(index.class_.__name__, index.key)]
    return index == blind_value(text, purpose, upper=upper)
