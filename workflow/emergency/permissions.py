"""Who may break the glass, who reviews it, and the live grant as a reader of cases.

A live grant lets its holder read the case in the team roles they held when breaking the glass and
still hold, while they still belong to the case's centre: the same compartments a team member of
those roles reads, nothing more. It is registered with `workflow.core.access.reader`, which widens
`view` and `see_compartment` only: triggers still ask for the team (403), so the holder acts on
nothing, and case lists (`visible_cases`) stay the user's own cases.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow.admin.models import User
from workflow.cases.labels import TEAM_ROLES
from workflow.cases.models import Case
from workflow.core import access
from workflow.core.access import ALLOWED, Answer, acting_roles, deny, rule
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.emergency.models import EmergencyAccess


def emergency_roles(user: User) -> set[str]:
    """The roles in which a user may break the glass: the case team roles they hold."""
    return user.roles & set(TEAM_ROLES)


def live_grant(user: User, case: Case, now: dt.datetime | None = None) -> EmergencyAccess | None:
    """The user's emergency access to the case that lasts now (not expired, not flagged)."""
    now = now or utcnow()
    return db.session.scalar(
        select(EmergencyAccess)
        .where(EmergencyAccess.user_id == user.id, EmergencyAccess.case_id == case.id,
               EmergencyAccess.expires_at > now, EmergencyAccess.started_at <= now,
               EmergencyAccess.review_state != "flagged")
        .order_by(EmergencyAccess.expires_at.desc()).limit(1))


@dataclass(frozen=True)
class EmergencyReader:
    """Readers of a case through a live grant (`workflow.core.access.Reader`)."""

    def roles(self, user: User, case: Case) -> set[str]:
        if user.agency_id != case.centre_id:
            return set()
        held = emergency_roles(user)
        if not held:
            return set()
        grant = live_grant(user, case)
        return held & set(grant.roles) if grant is not None else set()


access.reader("case", EmergencyReader())


def case_not_found() -> str:
    """The refusal of an unknown case number, word for word the case pages' 404."""
    return access.SUBJECTS["case"].not_found


@rule("break_glass")
def break_glass(user, action: str, case) -> Answer:
    """Without a case: whether the user may use the emergency page at all. With one: whether they
    may open it now. Another centre's case is refused exactly like an unknown number (404)."""
    if not emergency_roles(user) or user.agency.kind != "centre":
        return deny(_l("Emergency access is for the staff of a one-stop centre who hold a case team role."),
                    403, "forbidden")
    if case is None:
        return ALLOWED
    if case.centre_id != user.agency_id:
        return deny(case_not_found(), 404, "not_found")
    if acting_roles(user, case):
        return deny(_l("You already have access to this case as a member of its team or its supervisor: "
                       "no emergency access is needed."), 409, "already_acting")
    grant = live_grant(user, case)
    if grant is not None:
        return deny(_l("Your emergency access to this case lasts until %(time)s.",
                       time=format_datetime(grant.expires_at, "short")), 409, "already_granted")
    return ALLOWED


@rule("review_break_glass")
def review_break_glass(user, action: str, grant) -> Answer:
    """The centre's supervisors review its cases' emergency accesses (never their own); another
    centre's are "not found"."""
    if "supervisor" not in user.roles:
        return deny(_l("Only supervisors review emergency access."), 403, "forbidden")
    if grant is None:
        return ALLOWED
    if grant.case.centre_id != user.agency_id:
        return deny(_l("No such emergency access."), 404, "not_found")
    if grant.user_id == user.id:
        return deny(_l("Another supervisor reviews your own emergency access."), 403, "forbidden")
    return ALLOWED
