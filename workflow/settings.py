"""Settings stored in the database (editable by admin), with defaults defined here."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from .extensions import db
from .models import Setting

DEFAULTS: dict[str, Any] = {
    # Months after entering follow-up at which return visits are due.
    "visit_schedule_months": [1, 3, 6],
}

AID_GROUNDS = {
    "serious_injury_no_compensation": _l("Serious injury, offender cannot compensate"),
    "family_hardship": _l("Family in hardship because of the offence"),
    "medical_costs": _l("Medical and rehabilitation costs"),
    "psychological_treatment": _l("Psychological treatment costs"),
    "education_interrupted": _l("Schooling at risk"),
    "other": _l("Other ground (see note)"),
}


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


def aid_ground_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in AID_GROUNDS.items()]
