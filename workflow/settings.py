"""Settings stored in the database (editable by admin), with defaults defined here, and the
checklists the aid forms offer."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from .extensions import db
from .models import Setting

DEFAULTS: dict[str, Any] = {
    # Months after entering follow-up at which return visits are due.
    "visit_schedule_months": [1, 3, 6],
    # Judicial aid approval matrix, in fen: up to A the department head, up to B the deputy chief,
    # above B (or above the cap) the chief procurator's meeting.
    "aid_threshold_a_fen": 3_000_000,
    "aid_threshold_b_fen": 10_000_000,
    # The cap is this many times the average monthly wage of the year and region.
    "aid_cap_months": 36,
    # Aid clocks, in working days.
    "aid_clue_transfer_days": 5,
    "aid_acceptance_days": 7,
    "aid_decision_days": 10,
    "aid_notification_days": 2,
    "aid_payment_days": 10,
    "aid_emergency_followup_days": 10,
    "aid_verification_days": 10,
}

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


def get(key: str) -> Any:
    row = db.session.get(Setting, key)
    return row.value if row is not None else DEFAULTS[key]


def put(key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value


def choices(catalog: str) -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in CATALOGS[catalog].items()]
