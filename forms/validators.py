"""Validators shared by several forms."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def resident_id_is_valid(value: str) -> bool:
    """GB 11643 18-digit resident identity number with its ISO 7064 MOD 11-2 check digit."""
    value = value.upper()
    if not _RESIDENT_ID.match(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS))
    return _CHECK[total % 11] == value[17]


def resident_id(form, field) -> None:  # noqa: ARG001 - WTForms validator signature
    if field.data and not resident_id_is_valid(field.data.strip()):
        raise ValidationError(_l("Not a valid 18-digit resident ID number (check digit mismatch)."))
