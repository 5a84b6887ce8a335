"""Labels of agency kinds, calendar days, login outcomes and session ends."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The kinds of agency: a one-stop centre, the hospital, procuratorates, police, and the partners of
# referrals and inquiries.
AGENCY_KINDS = (
    "centre",
    "hospital",
    "procuratorate",
    "police",
    "womens_federation",
    "civil_affairs",
    "education",
    "school",
    "court",
    "justice_bureau",
    "disabled_persons_federation",
    "it",
)
AGENCY_KIND_LABELS = {
    "centre": _l("One-stop centre"),
    "hospital": _l("Hospital"),
    "procuratorate": _l("Procuratorate"),
    "police": _l("Police"),
    "womens_federation": _l("Women's federation"),
    "civil_affairs": _l("Civil affairs bureau"),
    "education": _l("Education bureau"),
    "school": _l("School"),
    "court": _l("Court"),
    "justice_bureau": _l("Justice bureau (legal aid)"),
    "disabled_persons_federation": _l("Disabled persons' federation"),
    "it": _l("IT department"),
}
CALENDAR_KIND_LABELS = {"holiday": _l("Public holiday"), "workday": _l("Make-up working day")}

# How a password or code tried at the front door went (login_attempts.outcome).
LOGIN_OUTCOMES = ("ok", "password_ok", "wrong_password", "wrong_code", "replayed_code", "recovery_code",
                  "locked", "inactive", "unknown_user", "enrolled")
LOGIN_OUTCOME_LABELS = {
    "ok": _l("Signed in"),
    "password_ok": _l("Password right, code asked"),
    "wrong_password": _l("Wrong password"),
    "wrong_code": _l("Wrong code"),
    "replayed_code": _l("Code already used"),
    "recovery_code": _l("Signed in with a recovery code"),
    "locked": _l("Refused: account locked"),
    "inactive": _l("Refused: account deactivated"),
    "unknown_user": _l("No such user"),
    "enrolled": _l("Second factor set up"),
}
# Why a session ended (user_sessions.end_reason).
SESSION_END_LABELS = {
    "logout": _l("Logged out"),
    "ended": _l("Ended by the user"),
    "password": _l("Password changed"),
    "second_factor": _l("Second factor reset"),
    "deactivated": _l("Account deactivated"),
    "admin": _l("Ended by an administrator"),
    "idle": _l("Idle too long"),
    "expired": _l("Lifetime over"),
}

# Four-eyes requests of administrators (admin_requests): what a request changes, and where it stands.
# (Pages describe a request by what approving it does: `workflow.admin.requests.describe`.)
ADMIN_REQUEST_KINDS = ("roles", "aid_level", "agency", "reset_second_factor")
ADMIN_REQUEST_STATES = ("pending", "approved", "rejected", "withdrawn")
# The admin log (admin_changes): what was changed, and how.
ADMIN_OBJECT_TYPES = ("user", "role", "agency", "setting", "wage", "calendar_day", "request", "session", "lock")
ADMIN_OBJECT_TYPE_LABELS = {
    "user": _l("User"),
    "role": _l("Roles"),
    "agency": _l("Agency"),
    "setting": _l("Setting"),
    "wage": _l("Average wage"),
    "calendar_day": _l("Calendar day"),
    "request": _l("Four-eyes request"),
    "session": _l("Sessions"),
    "lock": _l("Lock-out"),
}
ADMIN_ACTION_LABELS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Removed"),
    "load": _l("Loaded from the holiday file"),
    "grant": _l("Granted"),
    "remove": _l("Removed"),
    "request": _l("Request made"),
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "withdraw": _l("Withdrawn"),
    "unlock": _l("Unlocked"),
    "end_all": _l("All ended"),
    "reset_second_factor": _l("Second factor reset"),
    "release_reads": _l("Reading released after review"),
}
# Who acted, when no user did (`admin_changes.actor` with no actor_id).
COMMAND_LINE = "command line"
