"""Administration is for administrators (`manage_*` actions of `can`); their four-eyes requests are
decided by another administrator, never by the requester or by the user a request is about; the
admin log is read by auditors and administrators."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.core.access import ALLOWED, Answer, deny, rule


@rule("manage_users", "manage_agencies", "manage_settings", "manage_wages")
def manage(user, action: str, obj) -> Answer:  # noqa: ARG001
    return ALLOWED if user.has_role("admin") else deny(_l("Administrators only."), 403, "forbidden")


@rule("decide_admin_request")
def decide_request(user, _action: str, request) -> Answer:
    """Approve or reject: an administrator other than the requester and other than its user."""
    if not user.has_role("admin"):
        return deny(_l("Administrators only."), 403, "forbidden")
    if request.requested_by_id == user.id:
        return deny(_l("You cannot decide your own request: another administrator must approve it."),
                    403, "four_eyes")
    if request.user_id == user.id:
        return deny(_l("This request is about your own account: another administrator must decide it."),
                    403, "four_eyes")
    return ALLOWED


@rule("withdraw_admin_request")
def withdraw_request(user, _action: str, request) -> Answer:
    if user.has_role("admin") and request.requested_by_id == user.id:
        return ALLOWED
    return deny(_l("Only the administrator who made a request may withdraw it."), 403, "forbidden")


@rule("read_admin_log")
def read_log(user, _action: str, _obj) -> Answer:
    if user.has_role("auditor", "admin"):
        return ALLOWED
    return deny(_l("The admin log is for auditors and administrators."), 403, "forbidden")
