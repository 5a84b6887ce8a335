"""Where document bytes live: the database (default; one transaction with the document's row, and
nothing to share between nodes) or a directory (ONESTOP_DOCUMENT_STORE=file). Both behind one
interface; rows name their bytes by key, and verification re-hashes what the store returns (the
plain bytes, also for the bytes the store keeps sealed)."""
from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import LargeBinary, func, select, type_coerce, update

from workflow.core import sealing
from workflow.core.extensions import db
from workflow.core.sealing import seal_bytes, seal_bytes_for_case, unseal_bytes
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
# The first byte of stored bytes that are sealed (a PDF starts with "%", a ZIP with "P").
SEALED_KINDS = (sealing.PLAIN, sealing.MASTER, sealing.DATA_KEY)


class SealingStore:
    """A case's document bytes are sealed under the case's key (`put(..., case_id=...)`), so that
    shredding it erases them; keys under `sealed/` under the master key (register notices, batch
    uploads, results and archives: they name people of several cases, or of none). Reading opens
    either (ErasedError once the case key is gone); older plain bytes pass through."""

    def __init__(self, inner: DocumentStore) -> None:
        self.inner = inner

    def put(self, key: str, content: bytes, case_id: int | None = None) -> None:
        if case_id is not None:
            content = seal_bytes_for_case(case_id, content, key)
        elif key.startswith(SEALED):
            content = seal_bytes(content, key)
        self.inner.put(key, content)

    def get(self, key: str) -> bytes | None:
        content = self.inner.get(key)
        if content is not None and (key.startswith(SEALED) or content[:1] and content[0] in SEALED_KINDS):
            return unseal_bytes(content, key)
        return content

    def delete(self, key: str) -> None:
        self.inner.delete(key)


def document_store() -> SealingStore:
    if current_app.config["DOCUMENT_STORE"] == "file":
        return SealingStore(FileStore(current_app.config["DOCUMENT_DIR"]))
    return SealingStore(DatabaseStore())


# --- key rotation (workflow.core.keys) -------------------------------------------------------------

def _label(head: bytes) -> str:
    return sealing.seal_label(head) if head[:1] and head[0] in SEALED_KINDS else "plain"


def _sealed_files() -> list[Path]:
    if current_app.config["DOCUMENT_STORE"] != "file":
        return []
    return sorted(p for p in (Path(current_app.config["DOCUMENT_DIR"]) / SEALED.rstrip("/")).glob("*")
                  if KEY.fullmatch(f"{SEALED}{p.name}"))


def _heads(after: str, batch: int):
    """(key, first two bytes) of stored blobs after `after`, by key."""
    head = type_coerce(func.substr(DocumentBlob.content, 1, 2), LargeBinary)
    return db.session.execute(select(DocumentBlob.key, head).where(DocumentBlob.key > after)
                              .order_by(DocumentBlob.key).limit(batch)).all()


def _count() -> dict[str, int]:
    counts, after = Counter(), ""
    while rows := _heads(after, 1000):
        counts.update(_label(bytes(head or b"")) for _key, head in rows)
        after = rows[-1][0]
    for path in _sealed_files():
        with path.open("rb") as f:
            counts[_label(f.read(2)) + " (files)"] += 1
    return dict(counts)


def _rotate(batch: int) -> int:
    """Bytes sealed under an older master key, sealed again (one transaction per batch); a case's
    bytes stay under the case key, which `keys rotate` re-wraps."""
    done, after, current = 0, "", sealing.current_key_id()
    while rows := _heads(after, batch):
        for key, head in rows:
            if not (head and head[0] == sealing.MASTER and head[1] != current):
                continue
            content = db.session.scalar(select(DocumentBlob.content).where(DocumentBlob.key == key))
            done += db.session.execute(update(DocumentBlob).where(DocumentBlob.key == key)
                                       .values(content=sealing.resealed(content, key))).rowcount
        db.session.commit()
        after = rows[-1][0]
    files = FileStore(current_app.config["DOCUMENT_DIR"])
    for path in _sealed_files():
        new = sealing.resealed(path.read_bytes(), SEALED + path.name)
        if new is not None:
            files.put(SEALED + path.name, new)
            done += 1
    return done


sealing.resealer("document store", _count, _rotate)
