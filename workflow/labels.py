"""Translatable labels for enumerated values shown to users."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forms.aid import (
    APPLICANT_KIND_CHOICES,
    CONFIRMED_CHOICES,
    NOTIFY_CHOICES,
    PAYMENT_METHOD_CHOICES,
    RECOVERY_REASON_CHOICES,
)
from forms.followup import REFERRAL_KIND_CHOICES, REFERRAL_REPLY_CHOICES, VISIT_MODE_CHOICES
from forms.intake import CONTACT_KIND_CHOICES, OFFENCE_CHOICES, REFERRAL_SOURCE_CHOICES, SEX_CHOICES
from forms.interview import ATTENDEE_ROLE_CHOICES
from forms.psych import PLAN_CHOICES, RISK_CHOICES

from .settings import AID_GROUNDS, CATALOGS

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
RECIPIENT_LABELS = {"internal": _l("Internal file copy"), "court": _l("Copy for the court"),
                    "family": _l("Copy for the family"), "partner_agency": _l("Copy for the partner agency")}
DOCUMENT_STATUS_LABELS = {"draft": _l("Draft"), "final": _l("Final")}
JOB_STATUS_LABELS = {"queued": _l("Waiting"), "running": _l("Running"), "done": _l("Done"), "failed": _l("Failed")}
# The register. Category labels are for maintainers: no page or answer an employer sees uses them.
REGISTRY_CATEGORY_LABELS = {
    "conviction_rape": _l("Conviction: rape"),
    "conviction_indecency": _l("Conviction: indecency"),
    "conviction_molestation": _l("Conviction: child molestation"),
    "conviction_similar": _l("Conviction: similar offence against a minor"),
    "non_prosecution": _l("Relevant non-prosecution decision"),
    "administrative_penalty": _l("Administrative penalty for indecency"),
    "employment_ban": _l("Employment ban"),
}
ID_TYPE_LABELS = {
    "resident_id": _l("Resident ID card"), "passport": _l("Passport"),
    "hk_macao_permit": _l("Mainland travel permit for Hong Kong and Macao residents"),
    "taiwan_permit": _l("Mainland travel permit for Taiwan residents"),
    "foreign_permanent_resident": _l("Foreigner's permanent residence ID card"), "other": _l("Other document"),
}
ENTRY_STATUS_LABELS = {"pending": _l("Awaiting approval"), "active": _l("In force"), "rejected": _l("Rejected"),
                       "removed": _l("Removed")}
CHANGE_KIND_LABELS = {"create": _l("Creation"), "correct": _l("Correction"), "remove": _l("Removal")}
CHANGE_STATUS_LABELS = {"open": _l("Awaiting a second maintainer"), "approved": _l("Approved"),
                        "rejected": _l("Rejected")}
INQUIRY_RESULT_LABELS = {"record": _l("Record found"), "no_record": _l("No record"),
                         "pending_review": _l("Under manual review")}
RECHECK_STATUS_LABELS = {"open": _l("Re-check requested"), "upheld": _l("Result upheld"),
                         "corrected": _l("Result corrected")}
ALERT_KIND_LABELS = {"misses_in_a_row": _l("Many inquiries in a row without a record"),
                     "sequential_ids": _l("Sequential ID numbers"),
                     "many_ids_one_person": _l("One name and birth date with several ID numbers")}
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

# The choices of every enumerated field, by kind: pages and documents show their labels.
CHOICES = {
    "referral_source": REFERRAL_SOURCE_CHOICES, "sex": SEX_CHOICES, "offence": OFFENCE_CHOICES,
    "contact_kind": CONTACT_KIND_CHOICES, "attendee_role": ATTENDEE_ROLE_CHOICES, "risk": RISK_CHOICES,
    "plan": PLAN_CHOICES, "visit_mode": VISIT_MODE_CHOICES, "aid_ground": list(AID_GROUNDS.items()),
    "referral_kind": REFERRAL_KIND_CHOICES, "referral_reply": REFERRAL_REPLY_CHOICES,
    "applicant_kind": APPLICANT_KIND_CHOICES, "notify": NOTIFY_CHOICES, "payment_method": PAYMENT_METHOD_CHOICES,
    "recovery_reason": RECOVERY_REASON_CHOICES, "confirmed": CONFIRMED_CHOICES,
    "aid_document": list(CATALOGS["aid_documents"].items()),
    "aid_refusal_ground": list(CATALOGS["aid_refusal_grounds"].items()),
}
# Stored lists of catalogue codes, by field name (for the history).
CATALOG_FIELDS = {"grounds": "aid_grounds", "documents": "aid_documents", "refusal_grounds": "aid_refusal_grounds"}


def aid_level_label(level: str | None) -> str:
    return AID_LEVEL_LABELS.get(level, _l("none")) if level else _l("none")


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def choice_label(choices, value) -> str:
    """Label of `value` in a WTForms-style choices list."""
    return str(dict(choices).get(value, value or ""))
