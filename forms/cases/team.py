"""Team assignment by the centre supervisor."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired

from workflow.core.forms import ActionForm

TEAM_ROLE_CHOICES = [
    ("intake_officer", _l("Intake officer")),
    ("examiner", _l("Examiner")),
    ("interviewer", _l("Interviewer")),
    ("psychologist", _l("Psychologist")),
    ("case_prosecutor", _l("Case prosecutor")),
    ("social_worker", _l("Social worker")),
]


class AssignMemberForm(ActionForm):
    role = SelectField(_l("Role"), choices=TEAM_ROLE_CHOICES, validators=[DataRequired()])
    user_id = SelectField(_l("Person"), coerce=int, validators=[DataRequired()])
