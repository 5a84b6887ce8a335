"""Labels of enumerated values that belong to no single feature."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

JOB_STATUS_LABELS = {"queued": _l("Waiting"), "running": _l("Running"), "done": _l("Done"), "failed": _l("Failed")}
CLOCK_UNIT_LABELS = {"hours": _l("hours"), "working_days": _l("working days"), "days": _l("calendar days")}


def choice_label(choices, value) -> str:
    """Label of `value` in a WTForms-style choices list."""
    return str(dict(choices).get(value, value or ""))
