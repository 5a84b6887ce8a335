"""The admin log: every change to users, roles, agencies, settings, wages, calendar days, four-eyes
requests, lock-outs and sessions, recorded by the service that makes it, in the same transaction.

`record` only adds the row; the caller's commit writes it together with the change (and a
rollback drops both). Values are stored as JSON: dates and times as ISO text. Secrets never go in:
callers record a new password as the flag {"password": "changed"}, never a hash or a TOTP secret.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from workflow.admin.labels import ADMIN_OBJECT_TYPES, COMMAND_LINE
from workflow.admin.models import AdminChange, User
from workflow.core.errors import NotFound
from workflow.core.extensions import db
from workflow.core.paging import require_page

# Keys that must never reach the log, whatever a caller passes.
SECRET_KEYS = frozenset({"password_hash", "otp_secret", "token_hash", "code_hash"})


def _plain(value: Any) -> Any:
    """`value` as JSON can hold it (ISO dates and times, lists for sets and tuples)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if k not in SECRET_KEYS}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def record(actor: User | None, object_type: str, object_id, action: str, before: dict | None = None,
           after: dict | None = None, *, label: str = "") -> AdminChange:
    """Add a row to the admin log (committed with the caller's change). `actor` None is the
    command line."""
    assert object_type in ADMIN_OBJECT_TYPES, object_type
    row = AdminChange(actor_id=actor.id if actor is not None else None,
                      actor=actor.username if actor is not None else COMMAND_LINE,
                      object_type=object_type, object_id=str(object_id)[:120], label=str(label)[:200],
                      action=action, before=_plain(before) if before is not None else None,
                      after=_plain(after) if after is not None else None)
    db.session.add(row)
    return row


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """The keys whose values differ, with their old and new values."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def log_page(*, object_type: str | None = None, page: int = 1, per_page: int = 50) -> tuple[list[AdminChange], int]:
    """The log, newest first, optionally of one object type: (rows of the page, total rows). An
    unknown type or a page after the last is NotFound."""
    if object_type is not None and object_type not in ADMIN_OBJECT_TYPES:
        raise NotFound(_("The admin log has no such kind of object."))
    condition = [AdminChange.object_type == object_type] if object_type else []
    total = db.session.scalar(select(func.count(AdminChange.id)).where(*condition))
    require_page(page, total, per_page)
    rows = db.session.scalars(select(AdminChange).where(*condition).order_by(AdminChange.id.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return list(rows), total
