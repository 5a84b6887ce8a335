"""Psychological support: crisis notes, assessment, plan, sessions. Private notes stay with psychologists."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, FieldList, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from workflow.cases.labels import PLAN_CHOICES, RISK_CHOICES
from workflow.core.forms import ActionForm, SubForm, filled_rows


class PsychNoteForm(ActionForm):
    """Crisis support and intervention sessions: a shared summary and private notes."""

    occurred_on = DateField(_l("Date"), validators=[DataRequired()])
    summary = TextAreaField(_l("Summary shared with the team"), validators=[DataRequired(), Length(max=5000)])
    private_notes = TextAreaField(_l("Private notes (psychologists only)"), validators=[Optional(), Length(max=20000)])
    private_fields = frozenset({"private_notes"})


class ScaleRow(SubForm):
    name = StringField(_l("Scale"), validators=[Optional(), Length(max=40)])
    score = DecimalField(_l("Score"), places=None, validators=[Optional()])


class AssessmentForm(PsychNoteForm):
    risk_level = SelectField(_l("Risk level"), choices=RISK_CHOICES, validators=[DataRequired()])
    scales = FieldList(FormField(ScaleRow), min_entries=3, max_entries=20)

    def validate_scales(self, field) -> None:
        for row in filled_rows(field):
            if row["score"] is None:
                raise ValidationError(_l("Every scale needs a numeric score."))

    def payload(self) -> dict:
        data = super().payload()
        data["scales"] = {row["name"].strip(): float(row["score"]) for row in filled_rows(self.scales)}
        return data


class PlanForm(ActionForm):
    occurred_on = DateField(_l("Date"), validators=[DataRequired()])
    plan_kind = SelectField(_l("Plan"), choices=PLAN_CHOICES, validators=[DataRequired()])
    sessions_planned = IntegerField(_l("Sessions planned"), validators=[Optional(), NumberRange(min=1, max=100)])
    summary = TextAreaField(_l("Plan details / referral target"), validators=[DataRequired(), Length(max=5000)])

    def validate_sessions_planned(self, field) -> None:
        if self.plan_kind.data == "sessions" and not field.data:
            raise ValidationError(_l("Give the number of sessions planned."))
