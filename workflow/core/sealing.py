"""Sealing at rest: AES-256-GCM with REGISTRY_ENCRYPTION_KEY (derived from SECRET_KEY in
development). Each sealed value names its purpose as associated data, so one purpose's value
cannot pass for another's."""
from __future__ import annotations

import base64
import hashlib
import json
import os
from functools import lru_cache

from flask import current_app

# --- keys ---------------------------------------------------------------------------------------

def development_key(purpose: str) -> bytes:
    """A development key derived from SECRET_KEY (production must configure its own: see config)."""
    return hashlib.sha256(f"onestop-registry-{purpose}:{current_app.config['SECRET_KEY']}".encode()).digest()


def _encryption_key() -> bytes:
    configured = current_app.config.get("REGISTRY_ENCRYPTION_KEY")
    return base64.urlsafe_b64decode(configured) if configured else development_key("encryption")


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
