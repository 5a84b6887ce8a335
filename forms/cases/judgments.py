"""A judgment recorded on a case (with an employment ban it proposes a register entry)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from forms.registry import id_type_choices
from workflow.core.forms import ActionForm

BAN_CHOICES = [("none", _l("No employment ban")), ("until", _l("Employment ban until a day")),
               ("lifelong", _l("Lifelong employment ban"))]


class JudgmentForm(ActionForm):
    """A court judgment about one of the incident's suspects. With an employment ban it proposes a
    register entry, so the defendant's ID number is needed then (it goes only into the sealed
    entry, never into the case history)."""

    private_fields = frozenset({"defendant_id_number", "defendant_birth_date"})

    defendant = SelectField(_l("Defendant"), validators=[DataRequired()])
    court = StringField(_l("Court"), validators=[DataRequired(), Length(max=200)])
    number = StringField(_l("Judgment number"), validators=[DataRequired(), Length(max=100)])
    judged_on = DateField(_l("Judgment date"), validators=[DataRequired()])
    ban = SelectField(_l("Employment ban"), choices=BAN_CHOICES, validators=[DataRequired()])
    ban_until = DateField(_l("Ban ends on"), validators=[Optional()])
    defendant_id_type = SelectField(_l("Defendant's ID document"), choices=id_type_choices, default="resident_id")
    defendant_id_number = StringField(_l("Defendant's ID number"), validators=[Optional(), Length(max=40)])
    defendant_birth_date = DateField(_l("Defendant's birth date (documents other than a resident ID)"),
                                     validators=[Optional()])

    def bind_case(self, case, choices=None) -> None:
        super().bind_case(case, choices)
        self.defendant.choices = [(s.name, s.name) for s in case.incident.suspects]
