"""Labels of agency kinds and calendar days."""
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
