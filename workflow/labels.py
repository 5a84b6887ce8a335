"""Translatable labels for enumerated values shown to users."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "intake_officer": _l("Intake officer"),
    "examiner": _l("Examiner"),
    "interviewer": _l("Interviewer"),
    "psychologist": _l("Psychologist"),
    "case_prosecutor": _l("Case prosecutor"),
    "aid_officer": _l("Aid officer"),
    "aid_approver": _l("Aid approver"),
    "finance_officer": _l("Finance officer"),
    "social_worker": _l("Social worker"),
    "supervisor": _l("Supervisor"),
    "registry_maintainer": _l("Registry maintainer"),
    "employer_hr": _l("Employer HR"),
    "auditor": _l("Auditor"),
    "admin": _l("Administrator"),
    "verifier": _l("Entrusted verifier (aid officer of another agency)"),
}
AID_LEVEL_LABELS = {
    "department_head": _l("department head"),
    "deputy_chief": _l("deputy chief procurator"),
    "chief": _l("chief procurator's meeting"),
}
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
REFERRAL_STATUS_LABELS = {"sent": _l("Sent"), "acknowledged": _l("Acknowledged"), "completed": _l("Completed by the agency"),
                          "declined": _l("Declined"), "closed": _l("Closed with a reason")}
NOTIFICATION_LABELS = {"due_soon": _l("Task due soon"), "overdue": _l("Task overdue"),
                       "escalated": _l("Overdue task escalated to you")}
CLOCK_UNIT_LABELS = {"hours": _l("hours"), "working_days": _l("working days"), "days": _l("calendar days")}
CALENDAR_KIND_LABELS = {"holiday": _l("Public holiday"), "workday": _l("Make-up working day")}
VISIT_STATUS_LABELS = {"scheduled": _l("Scheduled"), "done": _l("Done"), "cancelled": _l("Cancelled")}
PSYCH_KIND_LABELS = {
    "crisis": _l("Crisis support"),
    "assessment": _l("Assessment"),
    "plan": _l("Intervention plan"),
    "session": _l("Session"),
}
INTERVIEW_KIND_LABELS = {
    "joint": _l("Joint interview"),
    "prior": _l("Prior interview (recorded elsewhere)"),
    "supplementary": _l("Supplementary interview"),
}


def aid_level_label(level: str | None) -> str:
    return AID_LEVEL_LABELS.get(level, _l("none")) if level else _l("none")


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def choice_label(choices, value) -> str:
    """Label of `value` in a WTForms-style choices list."""
    return str(dict(choices).get(value, value or ""))
