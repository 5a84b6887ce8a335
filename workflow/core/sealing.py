"""Sealing at rest: AES-256-GCM with REGISTRY_ENCRYPTION_KEY (derived from SECRET_KEY in
development). Each sealed value names its purpose as associated data, so one purpose's value
cannot pass for another's. Also the register's matching key, and the check at start that both keys
are the ones the database's data was sealed and hashed with."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from functools import lru_cache

from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from workflow.core.extensions import db
from workflow.core.models import Setting

# The settings row that records which keys the data was sealed and hashed with.
KEY_CHECK = "key_check"
_KEY_CHECK_LABEL = b"onestop-key-check-v1"

# --- keys ---------------------------------------------------------------------------------------

def development_key(purpose: str) -> bytes:
    """A development key derived from SECRET_KEY (production must configure its own: see config)."""
    return hashlib.sha256(f"onestop-registry-{purpose}:{current_app.config['SECRET_KEY']}".encode()).digest()


def _encryption_key() -> bytes:
    configured = current_app.config.get("REGISTRY_ENCRYPTION_KEY")
    return base64.urlsafe_b64decode(configured) if configured else development_key("encryption")


def hmac_key() -> bytes:
    """The register's matching key (the keyed hashes of ID numbers and names)."""
    configured = current_app.config.get("REGISTRY_HMAC_KEY")
    return configured.encode() if configured else development_key("hmac")


def keyed_hash(value: str, purpose: str) -> str:
    """HMAC-SHA256 of `value` with the matching key, for `purpose`: what a dump of the database
    cannot turn back into the value by guessing (recovery codes, names typed at a login)."""
    return hmac.new(hmac_key(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _check_values() -> dict[str, str]:
    """A value per key that tells keys apart without revealing them (an HMAC of a fixed label)."""
    return {name: hmac.digest(key, _KEY_CHECK_LABEL, "sha256").hex()
            for name, key in (("REGISTRY_ENCRYPTION_KEY", _encryption_key()), ("REGISTRY_HMAC_KEY", hmac_key()))}


# Checks, registered by the features that seal or hash data, that the keys open and match one of
# their stored values: `probe()` returns the name of the key that does not (None: it does, or there
# is no data yet).
KEY_PROBES: list[Callable[[], str | None]] = []


def key_probe(probe: Callable[[], str | None]) -> Callable[[], str | None]:
    KEY_PROBES.append(probe)
    return probe


def _refuse(name: str) -> None:
    key = name if current_app.config.get(name) else f"{name} (unset: derived from SECRET_KEY)"
    raise RuntimeError(f"{key} is not the key this database's data was sealed and hashed with; start with "
                       f"that key (for a new, empty database delete the settings row '{KEY_CHECK}')")


def check_keys() -> None:
    """Refuse to start with keys other than those the database's data was sealed and hashed with:
    a wrong key would otherwise start and fail every register inquiry. The first start on a migrated
    database records them, once the features' probes found that the keys open the data already
    there (a database upgraded from before the check); before `flask db upgrade` there is nothing
    to check."""
    if not inspect(db.engine).has_table(Setting.__tablename__):
        return
    expected = _check_values()
    stored = db.session.get(Setting, KEY_CHECK)
    if stored is None:
        for probe in KEY_PROBES:
            wrong = probe()
            if wrong is not None:
                db.session.rollback()
                _refuse(wrong)
        db.session.add(Setting(key=KEY_CHECK, value=expected))
        try:
            db.session.commit()
            return
        except IntegrityError:  # another process starting at the same time recorded them first
            db.session.rollback()
            stored = db.session.get(Setting, KEY_CHECK)
    for name, value in expected.items():
        if (stored.value or {}).get(name) != value:
            _refuse(name)


# --- sealing ------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _aead(key: bytes):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def seal(value, purpose: str) -> bytes:
    """JSON-encodable `value`, encrypted: 12-byte nonce + ciphertext with its tag."""
    nonce = os.urandom(12)
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    return nonce + _aead(_encryption_key()).encrypt(nonce, plain, purpose.encode())


def unseal(blob: bytes, purpose: str):
    return json.loads(_aead(_encryption_key()).decrypt(bytes(blob[:12]), bytes(blob[12:]), purpose.encode()))


def seal_bytes(content: bytes, purpose: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + _aead(_encryption_key()).encrypt(nonce, content, purpose.encode())


def unseal_bytes(blob: bytes, purpose: str) -> bytes:
    return _aead(_encryption_key()).decrypt(blob[:12], blob[12:], purpose.encode())
