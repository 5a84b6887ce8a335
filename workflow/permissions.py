"""The one permission check: `can(user, action, obj) -> (allowed, reason)`.

Pages, the API and the tests all call it. `obj` is a case or an aid application, or for the
register's actions (`registry_*`) an inquiry, a change or a re-check. A refusal's
reason is a `Denial`: a display string that also carries the HTTP status (403 wrong role, not on
the team or an unmet permit such as the approver level, 404 no access, 409 wrong state or
suspended, 422 an unmet guard).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.admin.models import User
from workflow.aid.models import AidApplication
from workflow.cases import definition as cases_definition
from workflow.cases.models import TEAM_ROLES, Case
from workflow.core import process as core_process
from workflow.core.errors import Denial, WorkflowError
from workflow.core.roles import role_label
from workflow.registry.models import RegistryChange, RegistryInquiry, RegistryRecheck

ALLOWED: tuple[bool, None] = (True, None)
CASE_ROLES = (*TEAM_ROLES, "supervisor")
AID_DEPARTMENT_ROLES = ("aid_officer", "aid_approver", "finance_officer")
# Roles that exist only on an aid application, and the user role they stand for: an aid officer of
# another agency entrusted with verifying the family's finances.
DERIVED_ROLES = {"verifier": "aid_officer"}


def _deny(message, status: int, code: str) -> tuple[bool, Denial]:
    return False, Denial(str(message), status, code)


def is_centre_supervisor(user: User, case: Case) -> bool:
    return "supervisor" in user.roles and user.agency_id == case.centre_id


def _aid_roles(user: User, application: AidApplication) -> set[str]:
    """The handling procuratorate's aid staff, the case's prosecutor, and entrusted verifiers."""
    roles = set()
    if user.agency_id == application.agency_id:
        roles |= user.roles & set(AID_DEPARTMENT_ROLES)
    if "case_prosecutor" in user.roles and "case_prosecutor" in application.case.member_roles(user):
        roles.add("case_prosecutor")
    if "aid_officer" in user.roles and user.agency_id != application.agency_id and any(
            v.agency_id == user.agency_id for v in application.verifications):
        roles.add("verifier")
    return roles


def acting_roles(user: User, subject: Case | AidApplication) -> set[str]:
    """The roles in which `user` acts on a case (team roles, plus supervisor of its centre) or on an
    aid application."""
    if isinstance(subject, AidApplication):
        return _aid_roles(user, subject)
    roles = {r for r in subject.member_roles(user) if r in user.roles}
    if is_centre_supervisor(user, subject):
        roles.add("supervisor")
    return roles


def _view(user: User, subject: Case | AidApplication):
    if acting_roles(user, subject):
        return ALLOWED
    # 404, not 403: a stranger must not learn that the case (or application) exists.
    if isinstance(subject, AidApplication):
        return _deny(_l("Aid application not found."), 404, "not_found")
    return _deny(_l("Case not found."), 404, "not_found")


def _roles_text(roles) -> str:
    return "、".join(str(role_label(r)) for r in roles)


def _see_compartment(user: User, subject: Case | AidApplication, compartment: str):
    readers = core_process.process_of(subject).compartments[compartment]
    if acting_roles(user, subject) & set(readers) - {"supervisor"}:
        return ALLOWED
    return _deny(_l("This part of the case is restricted to: %(roles)s.", roles=_roles_text(readers)),
                 403, "forbidden")


def _fire(user: User, subject: Case | AidApplication, transition: core_process.Transition):
    allowed, reason = _view(user, subject)
    if not allowed:
        return allowed, reason
    if transition.automatic:
        return _deny(_l("This step is taken by the system when its conditions are met."), 403, "forbidden")
    if not user.has_role(*(DERIVED_ROLES.get(r, r) for r in transition.roles)):
        return _deny(_l("Only %(roles)s may do this.", roles=_roles_text(transition.roles)), 403, "forbidden")
    if not acting_roles(user, subject) & set(transition.roles):
        if isinstance(subject, AidApplication):
            return _deny(_l("You do not act on this aid application as %(roles)s.",
                            roles=_roles_text(transition.roles)), 403, "not_on_team")
        return _deny(_l("You are not this case's %(roles)s.", roles=_roles_text(transition.roles)),
                     403, "not_on_team")
    if subject.suspended and not transition.allowed_while_suspended:
        return _deny(_l("The case is suspended: %(reason)s", reason=subject.suspend_reason), 409, "suspended")
    if subject.state not in transition.sources:
        state = core_process.process_of(subject).by_state[subject.state].label
        return _deny(_l("Not possible in the current stage (%(state)s).", state=state), 409, "wrong_state")
    for permit in transition.permits:
        refused = permit(user, subject)
        if refused:
            return _deny(refused, 403, "not_permitted")
    for guard in transition.guards:
        unmet = guard(subject)
        if unmet:
            return _deny(unmet, 422, "guard_failed")
    return ALLOWED


def _document(user: User, subject: Case | AidApplication, name: str, generate: bool):
    """Reading a document needs access to its subject (and compartment); generating it also one of
    the document's roles on the subject and the document being ready (422 until then)."""
    spec = core_process.process_of(subject).by_document.get(name)
    if spec is None:
        return _deny(_l("Unknown document: %(name)s.", name=name), 404, "not_found")
    from workflow.documents.data import compartments_of  # (data imports labels, which import forms)

    allowed, reason = _view(user, subject)
    for compartment in compartments_of(spec):
        if allowed:
            allowed, reason = _see_compartment(user, subject, compartment)
    if not allowed or not generate:
        return allowed, reason
    if not acting_roles(user, subject) & set(spec.roles):
        return _deny(_l("Only %(roles)s may generate this document.", roles=_roles_text(spec.roles)),
                     403, "forbidden")
    unmet = spec.ready(subject)
    if unmet:
        return _deny(unmet, 422, "not_ready")
    return ALLOWED


def _registry(user: User, action: str, obj):
    """The register: employers' HR inquire and see their own employer's inquiries (others' are
    not found); maintainers keep entries, with every change decided by a second maintainer."""
    maintainer = "registry_maintainer" in user.roles
    if action == "registry_inquire":
        return ALLOWED if "employer_hr" in user.roles else _deny(
            _l("Only an employer's HR staff make entry inquiries."), 403, "forbidden")
    if action == "registry_maintain":
        return ALLOWED if maintainer else _deny(_l("Only registry maintainers keep the register."), 403, "forbidden")
    if action == "registry_log":
        return ALLOWED if maintainer or "auditor" in user.roles else _deny(
            _l("Only registry maintainers and auditors read the inquiry log."), 403, "forbidden")
    if obj is None:
        raise ValueError(f"{action} needs a register object")
    if action in ("registry_view_inquiry", "registry_recheck"):
        own = "employer_hr" in user.roles and obj.agency_id == user.agency_id
        if not (own or (maintainer and action == "registry_view_inquiry")):
            return _deny(_l("Inquiry not found."), 404, "not_found")
        if action == "registry_recheck":
            if obj.result != "record":
                return _deny(_l("Only a result with a record can be re-checked."), 409, "wrong_state")
            if obj.recheck is not None:
                return _deny(_l("A re-check of this inquiry was already requested."), 409, "wrong_state")
        return ALLOWED
    if not maintainer:
        return _deny(_l("Only registry maintainers keep the register."), 403, "forbidden")
    if action == "registry_decide":
        if obj.status != "open":
            return _deny(_l("This change has already been decided."), 409, "wrong_state")
        if obj.proposed_by_id == user.id:
            return _deny(_l("A second maintainer must decide a change you proposed."), 403, "four_eyes")
        return ALLOWED
    if action == "registry_review":
        return ALLOWED if obj.result == "pending_review" else _deny(
            _l("This inquiry is not awaiting a manual review."), 409, "wrong_state")
    if action == "registry_resolve":
        return ALLOWED if obj.status == "open" else _deny(
            _l("This re-check has already been resolved."), 409, "wrong_state")
    raise ValueError(f"unknown register action {action}")


def require(user: User | None, action: str, obj=None) -> None:
    """`can`, for services: a refusal raises its WorkflowError (status and code of the denial)."""
    allowed, reason = can(user, action, obj)
    if not allowed:
        raise WorkflowError.from_denial(reason)


def can(user: User | None, action: str,
        obj: Case | AidApplication | RegistryChange | RegistryInquiry | RegistryRecheck | None = None) -> tuple[bool, Denial | None]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return _deny(_l("Please log in."), 401, "unauthorized")
    if action == "create_case":
        if user.has_role(*cases_definition.CREATE.roles):
            return ALLOWED
        return _deny(_l("Only intake officers and case prosecutors may create cases."), 403, "forbidden")
    if action == "list_cases":
        return ALLOWED if user.has_role(*CASE_ROLES) else _deny(_l("No access to case data."), 403, "forbidden")
    if action == "view_tasks":
        if user.has_role(*CASE_ROLES, *AID_DEPARTMENT_ROLES):
            return ALLOWED
        return _deny(_l("No access to case data."), 403, "forbidden")
    if action.startswith("registry_"):
        return _registry(user, action, obj)
    if action in ("manage_users", "manage_agencies", "manage_settings", "manage_wages"):
        return ALLOWED if user.has_role("admin") else _deny(_l("Administrators only."), 403, "forbidden")
    if obj is None:
        raise ValueError(f"{action} needs a case or an aid application")
    if action in ("view_case", "view_aid"):
        return _view(user, obj)
    if action.startswith(("read_document:", "generate_document:")):
        verb, _sep, name = action.partition(":")
        return _document(user, obj, name, generate=verb == "generate_document")
    if action.startswith("see:"):
        allowed, reason = _view(user, obj)
        return (allowed, reason) if not allowed else _see_compartment(user, obj, action[4:])
    transition = core_process.process_of(obj).by_trigger.get(action)
    if transition is None:
        return _deny(_l("Unknown action: %(action)s.", action=action), 404, "unknown_trigger")
    return _fire(user, obj, transition)
