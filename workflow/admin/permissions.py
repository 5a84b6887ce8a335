"""Administration is for administrators (`manage_*` actions of `can`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.core.access import ALLOWED, Answer, deny, rule


@rule("manage_users", "manage_agencies", "manage_settings", "manage_wages")
def manage(user, action: str, obj) -> Answer:  # noqa: ARG001
    return ALLOWED if user.has_role("admin") else deny(_l("Administrators only."), 403, "forbidden")
