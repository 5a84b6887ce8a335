"""The follow-up vocabulary: visit modes, referral kinds, replies and statuses."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

REFERRAL_STATUS_LABELS = {"sent": _l("Sent"), "acknowledged": _l("Acknowledged"), "completed": _l("Completed by the agency"),
                          "declined": _l("Declined"), "closed": _l("Closed with a reason")}
VISIT_STATUS_LABELS = {"scheduled": _l("Scheduled"), "done": _l("Done"), "cancelled": _l("Cancelled")}

VISIT_MODE_CHOICES = [("home", _l("Home visit")), ("school", _l("School visit")), ("phone", _l("Phone call"))]
REFERRAL_KIND_CHOICES = [
    ("minimum_living_allowance", _l("Minimum living allowance")),
    ("fee_waiver", _l("School fee waiver")),
    ("disability_certificate", _l("Disability certificate")),
    ("legal_aid", _l("Legal aid")),
    ("psychological_counselling", _l("Psychological counselling")),
    ("protection_order", _l("Protection order")),
    ("student_aid", _l("Student aid")),
    ("civil_support_prosecution", _l("Civil support prosecution")),
    ("employment_guidance", _l("Employment guidance")),
    ("other", _l("Other assistance")),
]
REFERRAL_REPLY_CHOICES = [("acknowledged", _l("Acknowledged by the agency")), ("completed", _l("Completed by the agency")),
                          ("declined", _l("Declined by the agency"))]
