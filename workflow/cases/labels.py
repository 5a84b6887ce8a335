"""The case vocabulary: referral sources, offences, contacts, attendees, psychological records,
and the choices of every enumerated field that case pages and documents show."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.aid.labels import (
    AID_GROUNDS,
    APPLICANT_KIND_CHOICES,
    CATALOGS,
    CONFIRMED_CHOICES,
    NOTIFY_CHOICES,
    PAYMENT_METHOD_CHOICES,
    RECOVERY_REASON_CHOICES,
)
from workflow.core.roles import ROLE_LABELS, SEX_CHOICES
from workflow.followup.labels import REFERRAL_KIND_CHOICES, REFERRAL_REPLY_CHOICES, VISIT_MODE_CHOICES

# Roles that can be members of a case team (the others never read case content).
TEAM_ROLES = (
    "intake_officer",
    "examiner",
    "interviewer",
    "psychologist",
    "case_prosecutor",
    "social_worker",
)
TEAM_ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in TEAM_ROLES]
RISK_CHOICES = [("low", _l("Low")), ("medium", _l("Medium")), ("high", _l("High"))]
PLAN_CHOICES = [("sessions", _l("Sessions at the centre")), ("external_referral", _l("External referral"))]
ATTENDEE_ROLE_CHOICES = [
    ("interviewer", _l("Interviewer")),
    ("psychologist", _l("Psychologist")),
    ("guardian", _l("Guardian")),
    ("appropriate_adult", _l("Appropriate adult")),
    ("interpreter", _l("Interpreter")),
    ("recorder", _l("Recorder")),
    ("other", _l("Other")),
]
REFERRAL_SOURCE_CHOICES = [
    ("police", _l("Police")),
    ("hospital", _l("Hospital")),
    ("school_report", _l("School report")),
    ("hotline_12338", _l("Hotline 12338 transfer")),
    ("womens_federation", _l("Women's federation")),
    ("self", _l("Self / family")),
]
OFFENCE_CHOICES = [
    ("rape", _l("Rape")),
    ("indecency", _l("Indecency / child molestation")),
    ("abuse", _l("Abuse")),
    ("injury", _l("Intentional injury")),
    ("neglect", _l("Neglect / abandonment")),
    ("trafficking", _l("Trafficking")),
    ("hardship", _l("Hardship (no offence)")),
    ("other", _l("Other")),
]
CONTACT_KIND_CHOICES = [("guardian", _l("Guardian")), ("appropriate_adult", _l("Appropriate adult"))]
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
