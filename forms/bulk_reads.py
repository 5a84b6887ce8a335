"""Bulk-read detection: a reviewer's release of an account whose reading was suspended."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


def stripped(value):
    return value.strip() if isinstance(value, str) else value


class ReleaseForm(FlaskForm):
    note = TextAreaField(
        _l("Why the reading was in order"), filters=[stripped],
        validators=[DataRequired(_l("Say why you release the account (required).")), Length(max=2000)],
        description=_l("Recorded in the audit trail and the admin log. Name the work, not a child."))
