"""Who has a task inbox (`view_tasks` of `can`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.aid.permissions import AID_DEPARTMENT_ROLES
from workflow.cases.permissions import CASE_ROLES
from workflow.core.access import ALLOWED, Answer, deny, rule


@rule("view_tasks")
def view_tasks(user, action: str, obj) -> Answer:  # noqa: ARG001
    if user.has_role(*CASE_ROLES, *AID_DEPARTMENT_ROLES):
        return ALLOWED
    return deny(_l("No access to case data."), 403, "forbidden")
