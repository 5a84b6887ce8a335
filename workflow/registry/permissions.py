"""Who may do what in the register (`registry_*` actions of `can`): an inquiry, a change or a
re-check is the object."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.core.access import ALLOWED, Answer, deny, rule


@rule("registry_inquire", "registry_maintain", "registry_log", "registry_view_inquiry", "registry_recheck",
      "registry_decide", "registry_review", "registry_resolve")
def registry_rule(user, action: str, obj) -> Answer:
    """The register: employers' HR inquire and see their own employer's inquiries (others' are
    not found); maintainers keep entries, with every change decided by a second maintainer."""
    maintainer = "registry_maintainer" in user.roles
    if action == "registry_inquire":
        return ALLOWED if "employer_hr" in user.roles else deny(
            _l("Only an employer's HR staff make entry inquiries."), 403, "forbidden")
    if action == "registry_maintain":
        return ALLOWED if maintainer else deny(_l("Only registry maintainers keep the register."), 403, "forbidden")
    if action == "registry_log":
        return ALLOWED if maintainer or "auditor" in user.roles else deny(
            _l("Only registry maintainers and auditors read the inquiry log."), 403, "forbidden")
    if obj is None:
        raise ValueError(f"{action} needs a register object")
    if action in ("registry_view_inquiry", "registry_recheck"):
        own = "employer_hr" in user.roles and obj.agency_id == user.agency_id
        if not (own or (maintainer and action == "registry_view_inquiry")):
            return deny(_l("Inquiry not found."), 404, "not_found")
        if action == "registry_recheck":
            if obj.result != "record":
                return deny(_l("Only a result with a record can be re-checked."), 409, "wrong_state")
            if obj.recheck is not None:
                return deny(_l("A re-check of this inquiry was already requested."), 409, "wrong_state")
        return ALLOWED
    if not maintainer:
        return deny(_l("Only registry maintainers keep the register."), 403, "forbidden")
    if action == "registry_decide":
        if obj.status != "open":
            return deny(_l("This change has already been decided."), 409, "wrong_state")
        if obj.proposed_by_id == user.id:
            return deny(_l("A second maintainer must decide a change you proposed."), 403, "four_eyes")
        return ALLOWED
    if action == "registry_review":
        return ALLOWED if obj.result == "pending_review" else deny(
            _l("This inquiry is not awaiting a manual review."), 409, "wrong_state")
    if action == "registry_resolve":
        return ALLOWED if obj.status == "open" else deny(
            _l("This re-check has already been resolved."), 409, "wrong_state")
    raise ValueError(f"unknown register action {action}")
