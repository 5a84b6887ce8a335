"""Settings stored in the database (editable by admin), with defaults defined here (clock lengths:
in the process definition), and the checklists the aid forms offer."""
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
    # Escalation: remind the assignee this many hours before a task is due; tell the supervisor
    # this many hours after the assignee was told that it is overdue.
    "escalation_due_soon_hours": 24,
    "escalation_supervisor_after_hours": 24,
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


def _clock_defaults() -> dict[str, int]:
    """Clock lengths are settings too; their defaults live with the clocks in the definition."""
    from .definition import clock_settings

    return {key: clock.amount for key, (clock, _spec) in clock_settings().items()}


def get(key: str) -> Any:
    row = db.session.get(Setting, key)
    if row is not None:
        return row.value
    return DEFAULTS[key] if key in DEFAULTS else _clock_defaults()[key]


def put(key: str, value: Any) -> None:
    if key not in DEFAULTS and key not in _clock_defaults():
        raise KeyError(key)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value


def choices(catalog: str) -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in CATALOGS[catalog].items()]
