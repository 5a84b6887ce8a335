"""Who can be put on a case team."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import TEAM_ROLES, Case, User, UserRole


def candidates(case: Case) -> list[User]:  # noqa: ARG001 - teams may span agencies (police, hospital)
    """Active users holding at least one team role, by name."""
    stmt = (select(User).join(UserRole).where(User.active.is_(True), UserRole.role.in_(TEAM_ROLES))
            .distinct().order_by(User.full_name))
    return list(db.session.scalars(stmt))
