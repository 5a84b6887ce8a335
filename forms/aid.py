"""Aid review on the case: flag for judicial aid, or decline with a reason."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .base import ActionForm, MultiCheckboxField


class FlagAidForm(ActionForm):
    grounds = MultiCheckboxField(_l("Eligibility grounds"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])

    def bind_case(self, case) -> None:  # noqa: ARG002
        from workflow.settings import aid_ground_choices

        self.grounds.choices = aid_ground_choices()
