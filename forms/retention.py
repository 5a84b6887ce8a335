"""Legal holds: placing one on a case (with its reason) and releasing it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


def stripped(value):
    return value.strip() if isinstance(value, str) else value


class LegalHoldForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the legal hold"), filters=[stripped], validators=[DataRequired(), Length(max=2000)],
        description=_l("E.g. a pending appeal, a civil claim or a request of the court. While the hold lasts, "
                       "the case is not anonymised when its retention period ends."))


class ReleaseHoldForm(FlaskForm):
    """Releasing needs no input: the form carries the CSRF token."""
