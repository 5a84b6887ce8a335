"""Break-the-glass: opening a case in an emergency, and a supervisor's review of one use."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from workflow.emergency.labels import EMERGENCY_DECISION_LABELS, EMERGENCY_REASON_MIN_LENGTH


def stripped(value):
    return value.strip() if isinstance(value, str) else value


class BreakGlassForm(FlaskForm):
    case = StringField(_l("Case number"), validators=[DataRequired(), Length(max=32)], filters=[stripped],
                       description=_l("As printed on the case's papers, e.g. C2026-0007."))
    reason = TextAreaField(
        _l("Why must you open this case now?"), filters=[stripped],
        validators=[DataRequired(), Length(min=EMERGENCY_REASON_MIN_LENGTH, max=2000,
                                           message=_l("Say in at least %(min)d characters why.",
                                                      min=EMERGENCY_REASON_MIN_LENGTH))],
        description=_l("The centre's supervisors read this reason and review every emergency access."))


def decision_choices():
    return list(EMERGENCY_DECISION_LABELS.items())


class ReviewForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=decision_choices,
                          validators=[InputRequired(_l("Choose confirm or flag."))])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)], filters=[stripped])
