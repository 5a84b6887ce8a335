"""The task inbox: mine (assigned to me, or shared by my role in my agency), my team's, overdue
(for supervisors: their centre's), and all open tasks of a supervisor's centre."""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from workflow.admin.models import User
from workflow.cases.definition import CASE
from workflow.cases.models import Case
from workflow.cases.permissions import CENTRE_SUPERVISOR, ON_TEAM, visible_cases
from workflow.core.access import held_roles
from workflow.core.extensions import db
from workflow.core.models import Task, utcnow

SCOPES = ("mine", "team", "overdue", "centre")


def _mine(user: User):
    # Never NULL for unassigned tasks, so that `~_mine(user)` (the team scope) keeps them.
    assigned = and_(Task.assignee_id.is_not(None), Task.assignee_id == user.id)
    # Unassigned tasks are shared by the role's members in the task's agency (the centre's
    # supervisors, a procuratorate's aid approvers, an entrusted agency's aid officers).
    roles = held_roles(user)
    shared = and_(Task.assignee_id.is_(None), Task.agency_id.is_not(None), Task.agency_id == user.agency_id,
                  Task.role.in_(sorted(roles)))
    return or_(assigned, shared)


def _in_scope(user: User, scope: str):
    """The condition on open tasks (joined with their case) of one inbox scope."""
    if scope == "mine":
        return _mine(user)
    if scope == "team":
        return and_(ON_TEAM.sql(user, Task.case_id), ~_mine(user))
    if scope == "overdue":
        # Supervisors see their whole centre's late work (they are who it escalates to). A suspended
        # case's clocks stand still: its tasks are not overdue.
        return and_(or_(_mine(user), visible_cases(user)), Task.due_at < utcnow(), Case.suspended_at.is_(None),
                    Case.state.not_in(CASE.terminal))
    if scope == "centre":
        return CENTRE_SUPERVISOR.sql(user, Case)
    raise ValueError(scope)


def inbox(user: User, scope: str = "mine", limit: int = 200) -> list[Task]:
    """Open tasks, most urgent (earliest due) first."""
    stmt = (select(Task).join(Task.case).where(Task.closed_at.is_(None), _in_scope(user, scope))
            .options(contains_eager(Task.case), selectinload(Task.aid_application))
            .order_by(Task.due_at, Task.id).limit(limit))
    return list(db.session.scalars(stmt))


def counts(user: User) -> dict[str, int]:
    """How many open tasks each scope holds (the tabs and the top bar, on every page)."""
    scopes = [scope for scope in SCOPES if scope != "centre" or "supervisor" in user.roles]
    return {scope: db.session.scalar(select(func.count()).select_from(Task).join(Task.case)
                                     .where(Task.closed_at.is_(None), _in_scope(user, scope)))
            for scope in scopes}
