"""The single recorded joint interview, a prior interview's reference, and supplementary ones."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from workflow.cases.labels import ATTENDEE_ROLE_CHOICES
from workflow.core.forms import ActionForm, SubForm, filled_rows


class AttendeeRow(SubForm):
    name = StringField(_l("Attendee"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role in the interview"), choices=ATTENDEE_ROLE_CHOICES)


class InterviewForm(ActionForm):
    started_at = DateTimeLocalField(_l("Started at"), validators=[DataRequired()])
    ended_at = DateTimeLocalField(_l("Ended at"), validators=[DataRequired()])
    av_reference = StringField(_l("Audio-video recording reference"), validators=[DataRequired(), Length(max=120)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    attendees = FieldList(FormField(AttendeeRow), min_entries=5, max_entries=20)

    def validate_ended_at(self, field) -> None:
        if field.data and self.started_at.data and field.data <= self.started_at.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_attendees(self, field) -> None:
        if not filled_rows(field):
            raise ValidationError(_l("Record who attended the interview."))

    def payload(self) -> dict:
        data = super().payload()
        data["attendees"] = filled_rows(self.attendees)
        return data


class PriorInterviewForm(ActionForm):
    prior_reference = StringField(_l("Reference of the recorded interview"),
                                  validators=[DataRequired(), Length(max=120)])
    prior_agency = StringField(_l("Agency that recorded it"), validators=[DataRequired(), Length(max=200)])
    started_at = DateTimeLocalField(_l("Held at"), validators=[DataRequired()])
    reason = TextAreaField(_l("Why it is used instead of a new interview"),
                           validators=[DataRequired(), Length(max=2000)])
