"""Who acts on an aid application, and the aid rules of `can`."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.cases.permissions import ON_TEAM
from workflow.core import access
from workflow.core.access import Answer, SubjectAccess, rule

AID_DEPARTMENT_ROLES = ("aid_officer", "aid_approver", "finance_officer")


def aid_roles(user, application) -> set[str]:
    """The handling procuratorate's aid staff, the case's prosecutor, and entrusted verifiers."""
    roles = set()
    if user.agency_id == application.agency_id:
        roles |= user.roles & set(AID_DEPARTMENT_ROLES)
    if "case_prosecutor" in ON_TEAM.roles(user, application.case):
        roles.add("case_prosecutor")
    if "aid_officer" in user.roles and user.agency_id != application.agency_id and any(
            v.agency_id == user.agency_id for v in application.verifications):
        roles.add("verifier")
    return roles


access.subject("aid", SubjectAccess(aid_roles, _l("Aid application not found."),
                                    _l("You do not act on this aid application as %(roles)s.")))


@rule("view_aid")
def view_aid(user, action: str, application) -> Answer:  # noqa: ARG001
    return access.view(user, application)
