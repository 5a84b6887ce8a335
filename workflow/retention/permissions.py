"""Who places and releases a legal hold: a supervisor of the case's centre (`place_legal_hold`,
`release_legal_hold` of `can`). Others who see the case are refused with 403; those who do not,
404 (they must not learn that it exists)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.cases.permissions import CENTRE_SUPERVISOR
from workflow.core.access import ALLOWED, Answer, deny, rule, view


@rule("place_legal_hold", "release_legal_hold")
def legal_hold_rule(user, action: str, case) -> Answer:  # noqa: ARG001
    if case is None:
        raise ValueError(f"{action} needs a case")
    allowed, reason = view(user, case)
    if not allowed:
        return allowed, reason
    if CENTRE_SUPERVISOR.roles(user, case):
        return ALLOWED
    return deny(_l("Only a supervisor of the case's centre may place or release a legal hold."), 403, "forbidden")
