"""Who reads the audit trail: auditors, all of it (they oversee every centre, agency and the
register, like the admin log and the register's inquiry log; their own searches are recorded
too). Administrators do not: the trail records what they do. A case's supervisors see who opened
that child's file, on the case page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.core.access import ALLOWED, Answer, acting_roles, deny, rule


@rule("audit_view")
def audit_view(user, action: str, obj) -> Answer:  # noqa: ARG001
    if user.has_role("auditor"):
        return ALLOWED
    return deny(_l("The audit trail is for auditors."), 403, "forbidden")


@rule("see_case_readers")
def see_case_readers(user, action: str, case) -> Answer:  # noqa: ARG001
    """The supervisors of the case's centre (auditors open no case page: they search the trail by
    case instead)."""
    if case is not None and "supervisor" in acting_roles(user, case):
        return ALLOWED
    return deny(_l("Only the supervisors of the case's centre see who opened it."), 403, "forbidden")
