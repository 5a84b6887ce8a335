"""The break-the-glass vocabulary: the review states of an emergency access and the decisions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

EMERGENCY_REVIEW_STATES = ("pending", "confirmed", "flagged")
EMERGENCY_REVIEW_LABELS = {"pending": _l("Awaiting review"), "confirmed": _l("Confirmed"),
                           "flagged": _l("Flagged")}
# A supervisor's decision on one use, and the review state it leads to.
EMERGENCY_DECISIONS = {"confirm": "confirmed", "flag": "flagged"}
EMERGENCY_DECISION_LABELS = {"confirm": _l("Confirm: the emergency justified it"),
                             "flag": _l("Flag: not justified")}
# What a reason for breaking the glass must at least say (characters).
EMERGENCY_REASON_MIN_LENGTH = 10
