"""The roles people hold, the aid approval levels and sexes, with their labels: the vocabulary every
feature shares."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLES = (
    "intake_officer",
    "examiner",
    "interviewer",
    "psychologist",
    "case_prosecutor",
    "aid_officer",
    "aid_approver",
    "finance_officer",
    "social_worker",
    "supervisor",
    "registry_maintainer",
    "employer_hr",
    "auditor",
    "admin",
)
# Approver levels of aid_approver users, lowest first (the approval matrix picks one).
AID_LEVELS = ("department_head", "deputy_chief", "chief")
SEXES = ("F", "M")
SEX_CHOICES = [("F", _l("Female")), ("M", _l("Male"))]

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


def aid_level_label(level: str | None) -> str:
    return AID_LEVEL_LABELS.get(level, _l("none")) if level else _l("none")


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)
