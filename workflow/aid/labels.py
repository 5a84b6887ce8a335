"""The aid vocabulary: applicant kinds, notification and payment methods, and the checklists
(grounds, refusal grounds, documents) as stored codes with translatable labels."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

# Stored lists of catalogue codes, by field name (for the history).
CATALOG_FIELDS = {"grounds": "aid_grounds", "documents": "aid_documents", "refusal_grounds": "aid_refusal_grounds"}

# Checklists: stored codes with translatable labels.
CATALOGS: dict[str, dict[str, Any]] = {
    "aid_grounds": {
        "serious_injury_no_compensation": _l("Serious injury, offender cannot compensate"),
        "family_hardship": _l("Family in hardship because of the offence"),
        "medical_costs": _l("Medical and rehabilitation costs"),
        "psychological_treatment": _l("Psychological treatment costs"),
        "education_interrupted": _l("Schooling at risk"),
        "other": _l("Other ground (see note)"),
    },
    "aid_refusal_grounds": {
        "compensated": _l("Already compensated by the offender or insurance"),
        "no_hardship": _l("No financial hardship"),
        "fault_of_applicant": _l("The applicant's own fault caused the harm"),
        "false_statement": _l("False statements or concealed facts"),
        "already_aided": _l("Already aided for the same matter"),
        "not_a_case_here": _l("Not a case handled by this procuratorate"),
        "other": _l("Other ground (see reason)"),
    },
    "aid_documents": {
        "application_form": _l("Written application"),
        "identity": _l("Identity documents of child and applicant"),
        "guardianship": _l("Proof of guardianship or representation"),
        "medical_bills": _l("Medical records and bills"),
        "income_proof": _l("Proof of family income"),
        "hardship_certificate": _l("Hardship certificate (community / civil affairs)"),
        "compensation_status": _l("Proof that compensation was not obtained"),
    },
}
AID_GROUNDS = CATALOGS["aid_grounds"]

APPLICANT_KIND_CHOICES = [("guardian", _l("Guardian")), ("legal_representative", _l("Legal representative"))]
NOTIFY_CHOICES = [("letter", _l("Written notice")), ("in_person", _l("In person")), ("phone", _l("Phone"))]
PAYMENT_METHOD_CHOICES = [("bank_transfer", _l("Bank transfer")),
                          ("supervised_account", _l("Supervised account")), ("cash", _l("Cash"))]
RECOVERY_REASON_CHOICES = [("fraud", _l("Aid obtained by fraud")),
                           ("offender_compensation", _l("Offender paid compensation later"))]
CONFIRMED_CHOICES = [("yes", _l("Confirmed")), ("no", _l("Not confirmed"))]


def catalog_choices(catalog: str) -> list[tuple[str, str]]:
    """A checklist's (code, label) pairs, for the forms that offer it."""
    return [(key, str(label)) for key, label in CATALOGS[catalog].items()]
