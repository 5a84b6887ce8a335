"""Where document bytes live: the database (default; one transaction with the document's row, and
nothing to share between nodes) or a directory (ONESTOP_DOCUMENT_STORE=file). Both behind one
interface; rows name their bytes by key, and verification re-hashes what the store returns (the
plain bytes, also for keys the store keeps sealed)."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app

from workflow.core.extensions import db
from workflow.core.sealing import seal_bytes, unseal_bytes
from workflow.documents.models import DocumentBlob

KEY = re.compile(r"[a-z]+/[A-Za-z0-9_-]+\.(pdf|zip|bin)")


class DocumentStore(Protocol):
    def put(self, key: str, content: bytes) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


class DatabaseStore:
    """Bytes in `document_blobs`, written in the caller's transaction."""

    def put(self, key: str, content: bytes) -> None:
        db.session.add(DocumentBlob(key=key, content=content))

    def get(self, key: str) -> bytes | None:
        blob = db.session.get(DocumentBlob, key)
        return None if blob is None else bytes(blob.content)

    def delete(self, key: str) -> None:
        db.session.execute(db.delete(DocumentBlob).where(DocumentBlob.key == key))


class FileStore:
    """Bytes in files under `root`, written atomically (a file that is there is complete). A file
    whose transaction rolls back stays behind unreferenced, which is harmless: keys are random."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not KEY.fullmatch(key):
            raise ValueError(f"bad document key {key!r}")
        return self.root / key

    def put(self, key: str, content: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


SEALED = "sealed/"


class SealingStore:
    """Keys under `sealed/` are encrypted with the register key as they are stored and opened as
    they are read (register notices, batch uploads and results: the database or directory alone
    must not show who was asked about). Other keys pass through."""

    def __init__(self, inner: DocumentStore) -> None:
        self.inner = inner

    def put(self, key: str, content: bytes) -> None:
        self.inner.put(key, seal_bytes(content, key) if key.startswith(SEALED) else content)

    def get(self, key: str) -> bytes | None:
        content = self.inner.get(key)
        return unseal_bytes(content, key) if content is not None and key.startswith(SEALED) else content

    def delete(self, key: str) -> None:
        self.inner.delete(key)


def document_store() -> SealingStore:
    if current_app.config["DOCUMENT_STORE"] == "file":
        return SealingStore(FileStore(current_app.config["DOCUMENT_DIR"]))
    return SealingStore(DatabaseStore())
