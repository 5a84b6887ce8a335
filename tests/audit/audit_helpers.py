"""Audit test helpers: reading the trail, and tampering with it the way someone with database access would
(bypassing the triggers, which the application's own role cannot do: tests/security/test_db_privileges.py)."""
from __future__ import annotations

import contextlib
import os

from sqlalchemy import create_engine, select, text

from workflow.audit.models import AuditRecord
from workflow.core.extensions import db


def records(**where) -> list[AuditRecord]:
    """Audit records matching `where` (column=value), oldest first."""
    db.session.expire_all()
    query = select(AuditRecord).order_by(AuditRecord.id)
    for name, value in where.items():
        query = query.where(getattr(AuditRecord, name) == value)
    return list(db.session.scalars(query))


def last_record() -> AuditRecord:
    db.session.expire_all()
    return db.session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1)).one()


@contextlib.contextmanager
def tampering(table: str):
    """A connection with the rights of the database's owner and `table`'s triggers off: what an
    intruder with the database in hand (not the application) can do."""
    if db.engine.dialect.name == "postgresql":
        owner_url = (os.environ.get("TEST_DATABASE_OWNER_URL") or os.environ.get("DATABASE_OWNER_URL")
                     or db.engine.url.render_as_string(hide_password=False))
        if owner_url.startswith(("postgres://", "postgresql://")):
            owner_url = "postgresql+psycopg://" + owner_url.split("://", 1)[1]
        engine = create_engine(owner_url)
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            yield conn
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        engine.dispose()
        return
    db.session.remove()
    with db.engine.begin() as conn:
        triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                                {"t": table}).all()
        for name, _sql in triggers:
            conn.execute(text(f"DROP TRIGGER {name}"))
        yield conn
        for _name, sql in triggers:
            conn.execute(text(sql))
