"""Labels of the register. Category labels are for maintainers: no page or answer an employer sees
uses them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
