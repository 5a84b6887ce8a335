"""Team assignment by the centre supervisor."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired

from workflow.cases.labels import TEAM_ROLE_CHOICES
from workflow.core.forms import ActionForm


class AssignMemberForm(ActionForm):
    role = SelectField(_l("Role"), choices=TEAM_ROLE_CHOICES, validators=[DataRequired()])
    user_id = SelectField(_l("Person"), coerce=int, validators=[DataRequired()])
