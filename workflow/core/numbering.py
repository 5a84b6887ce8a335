"""Human numbers of cases, incidents and aid applications."""
from __future__ import annotations

from sqlalchemy import func, select

from workflow.core.clocks import local_today
from workflow.core.extensions import db


def next_number(prefix: str, model) -> str:
    """Human case/incident numbers like C2026-0007, unique per year (backed by a unique column)."""
    year = local_today().year  # the centre's year, also in the first hours of 1 January
    stem = f"{prefix}{year}-"
    last = db.session.scalar(
        select(func.max(model.number)).where(model.number.like(stem + "%"))
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{seq:04d}"
