"""Forensic exam: exception to the female-examiner rule, findings, injuries, samples, custody."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from workflow.core.forms import ActionForm, SubForm, filled_rows


class InjuryRow(SubForm):
    key_field = "body_site"
    body_site = StringField(_l("Body site"), validators=[Optional(), Length(max=80)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=1000)])


class ExamFindingsForm(ActionForm):
    findings = TextAreaField(_l("Findings"), validators=[DataRequired(), Length(max=10000)])
    injuries = FieldList(FormField(InjuryRow), min_entries=3, max_entries=50)

    def payload(self) -> dict:
        data = super().payload()
        data["injuries"] = filled_rows(self.injuries)
        return data


class AddSampleForm(ActionForm):
    label = StringField(_l("Sample label"), validators=[DataRequired(), Length(max=40)])
    kind = StringField(_l("Sample kind (e.g. swab, clothing, blood)"), validators=[DataRequired(), Length(max=80)])
    collected_at = DateTimeLocalField(_l("Collected at"), validators=[DataRequired()])


class CustodyTransferForm(ActionForm):
    sample_id = SelectField(_l("Sample"), coerce=int, validators=[DataRequired()])
    from_name = StringField(_l("Handed over by"), validators=[DataRequired(), Length(max=120)])
    to_name = StringField(_l("Received by"), validators=[DataRequired(), Length(max=120)])
    to_agency = StringField(_l("Receiving agency"), validators=[DataRequired(), Length(max=200)])
    handed_at = DateTimeLocalField(_l("Handed over at"), validators=[DataRequired()])

    def bind_case(self, case, choices=None) -> None:
        super().bind_case(case, choices)
        samples = case.exam.samples if case.exam else []
        self.sample_id.choices = [(s.id, f"{s.label} — {s.kind}") for s in samples]
