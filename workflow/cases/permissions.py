"""Who acts on a case, and the case rules of `can`.

A user acts on a case as a member of its team, in the team roles they still hold, and as a
supervisor of its centre. `CASE_ACCESS` states that once: `acting_roles` for one case, and
`visible_cases(user)` as SQL for lists, searches and the inbox.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.cases.definition import CREATE
from workflow.cases.labels import TEAM_ROLES
from workflow.cases.models import Case, TeamMember
from workflow.core import access
from workflow.core.access import ALLOWED, AgencyRole, Answer, Membership, SubjectAccess, Visibility, deny, rule

CASE_ROLES = (*TEAM_ROLES, "supervisor")
ON_TEAM = Membership(TeamMember, "case_id", "team")
CENTRE_SUPERVISOR = AgencyRole("supervisor", "centre_id")
CASE_ACCESS = Visibility(Case, ON_TEAM, (CENTRE_SUPERVISOR,))

access.subject("case", SubjectAccess(CASE_ACCESS.acting_roles, _l("Case not found."),
                                     _l("You are not this case's %(roles)s.")))


def visible_cases(user):
    """SQL condition on `Case` for the cases `user` may open."""
    return CASE_ACCESS.sql(user)


@rule("create_case")
def create_case(user, action: str, obj) -> Answer:  # noqa: ARG001
    if user.has_role(*CREATE.roles):
        return ALLOWED
    return deny(_l("Only intake officers and case prosecutors may create cases."), 403, "forbidden")


@rule("list_cases")
def list_cases(user, action: str, obj) -> Answer:  # noqa: ARG001
    return ALLOWED if user.has_role(*CASE_ROLES) else deny(_l("No access to case data."), 403, "forbidden")


@rule("view_case")
def view_case(user, action: str, case) -> Answer:  # noqa: ARG001
    return access.view(user, case)
