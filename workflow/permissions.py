"""The one permission check: `can(user, action, obj) -> (allowed, reason)`.

Pages, the API and the tests all call it. A refusal's reason is a `Denial`: a display string that
also carries the HTTP status (403 wrong role or not on the team, 404 no access to the case,
409 wrong state or suspended, 422 an unmet guard).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from . import definition
from .errors import Denial
from .labels import role_label
from .models import TEAM_ROLES, Case, User

ALLOWED: tuple[bool, None] = (True, None)
CASE_ROLES = (*TEAM_ROLES, "supervisor")


def _deny(message, status: int, code: str) -> tuple[bool, Denial]:
    return False, Denial(str(message), status, code)


def is_centre_supervisor(user: User, case: Case) -> bool:
    return "supervisor" in user.roles and user.agency_id == case.centre_id


def acting_roles(user: User, case: Case) -> set[str]:
    """The roles in which `user` acts on `case`: their team roles, plus supervisor of its centre."""
    roles = {r for r in case.member_roles(user) if r in user.roles}
    if is_centre_supervisor(user, case):
        roles.add("supervisor")
    return roles


def _view_case(user: User, case: Case):
    if acting_roles(user, case):
        return ALLOWED
    # 404, not 403: a stranger must not learn that the case exists.
    return _deny(_l("Case not found."), 404, "not_found")


def _see_compartment(user: User, case: Case, compartment: str):
    readers = definition.COMPARTMENTS[compartment]
    if case.member_roles(user) & set(readers) & user.roles:
        return ALLOWED
    return _deny(_l("This part of the case is restricted to: %(roles)s.",
                    roles="、".join(str(role_label(r)) for r in readers)), 403, "forbidden")


def _fire(user: User, case: Case, transition: definition.Transition):
    allowed, reason = _view_case(user, case)
    if not allowed:
        return allowed, reason
    if transition.automatic:
        return _deny(_l("This step is taken by the system when the aid application ends."), 403, "forbidden")
    if not user.has_role(*transition.roles):
        return _deny(_l("Only %(roles)s may do this.",
                        roles="、".join(str(role_label(r)) for r in transition.roles)), 403, "forbidden")
    if not acting_roles(user, case) & set(transition.roles):
        return _deny(_l("You are not this case's %(roles)s.",
                        roles="、".join(str(role_label(r)) for r in transition.roles)), 403, "not_on_team")
    if case.suspended and not transition.allowed_while_suspended:
        return _deny(_l("The case is suspended: %(reason)s", reason=case.suspend_reason), 409, "suspended")
    if case.state not in transition.sources:
        state = definition.STATE_BY_NAME[case.state].label
        return _deny(_l("Not possible in the current stage (%(state)s).", state=state), 409, "wrong_state")
    for guard in transition.guards:
        unmet = guard(case)
        if unmet:
            return _deny(unmet, 422, "guard_failed")
    return ALLOWED


def can(user: User | None, action: str, obj: Case | None = None) -> tuple[bool, Denial | None]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return _deny(_l("Please log in."), 401, "unauthorized")
    if action == "create_case":
        if user.has_role(*definition.CREATE.roles):
            return ALLOWED
        return _deny(_l("Only intake officers and case prosecutors may create cases."), 403, "forbidden")
    if action == "list_cases":
        return ALLOWED if user.has_role(*CASE_ROLES) else _deny(_l("No access to case data."), 403, "forbidden")
    if action in ("manage_users", "manage_agencies", "manage_settings"):
        return ALLOWED if user.has_role("admin") else _deny(_l("Administrators only."), 403, "forbidden")
    if obj is None:
        raise ValueError(f"{action} needs a case")
    if action == "view_case":
        return _view_case(user, obj)
    if action.startswith("see:"):
        allowed, reason = _view_case(user, obj)
        return (allowed, reason) if not allowed else _see_compartment(user, obj, action[4:])
    transition = definition.TRANSITION_BY_TRIGGER.get(action)
    if transition is None:
        return _deny(_l("Unknown action: %(action)s.", action=action), 404, "unknown_trigger")
    return _fire(user, obj, transition)
