"""Follow-up: return visits and their cancellation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .base import ActionForm, ReasonForm

VISIT_MODE_CHOICES = [("home", _l("Home visit")), ("school", _l("School visit")), ("phone", _l("Phone call"))]


def _open_visit_choices(case) -> list[tuple[int, str]]:
    return [(v.id, v.due_on.isoformat()) for v in case.visits if v.status == "scheduled"]


class VisitForm(ActionForm):
    visit_id = SelectField(_l("Scheduled visit (due date)"), coerce=int, validators=[DataRequired()])
    done_on = DateField(_l("Visit date"), validators=[DataRequired()])
    mode = SelectField(_l("Mode"), choices=VISIT_MODE_CHOICES, validators=[DataRequired()])
    attendees = StringField(_l("Attendees"), validators=[DataRequired(), Length(max=500)])
    wellbeing = TextAreaField(_l("Wellbeing"), validators=[DataRequired(), Length(max=5000)])
    school_attendance = TextAreaField(_l("School attendance"), validators=[Optional(), Length(max=2000)])
    needs = TextAreaField(_l("New needs"), validators=[Optional(), Length(max=2000)])
    satisfaction = IntegerField(_l("Caregiver satisfaction (1–5)"), validators=[DataRequired(), NumberRange(min=1, max=5)])

    def bind_case(self, case) -> None:
        self.visit_id.choices = _open_visit_choices(case)


class CancelVisitForm(ReasonForm):
    visit_id = SelectField(_l("Scheduled visit (due date)"), coerce=int, validators=[DataRequired()])

    def bind_case(self, case) -> None:
        self.visit_id.choices = _open_visit_choices(case)


class AddVisitForm(ActionForm):
    due_on = DateField(_l("Due date"), validators=[DataRequired()])
