"""The register's pages: inquiries, batches, entries, decisions, reviews, re-checks (the judgment
recorded on a victim case has its form in `forms/cases/judgments.py`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from workflow.registry.labels import ID_TYPE_LABELS, REGISTRY_CATEGORY_LABELS


def id_type_choices():
    return list(ID_TYPE_LABELS.items())


def category_choices():
    return list(REGISTRY_CATEGORY_LABELS.items())


class InquiryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    id_type = SelectField(_l("ID document"), choices=id_type_choices, default="resident_id")
    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=40)])
    birth_date = DateField(_l("Birth date (documents other than a resident ID)"), validators=[Optional()])
    post = StringField(_l("Proposed post"), validators=[Optional(), Length(max=120)])
    consent = BooleanField(_l("I hold this person's written consent to this inquiry"),
                           validators=[InputRequired(_l("An inquiry needs the person's written consent."))])


class BatchForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    consent = BooleanField(_l("I hold the written consent of every person in the file"),
                           validators=[InputRequired(_l("A batch needs the written consent of every person in it."))])


class RecheckForm(FlaskForm):
    reason = TextAreaField(_l("Why should the result be re-checked?"), validators=[DataRequired(), Length(max=2000)])


class EntryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    id_type = SelectField(_l("ID document"), choices=id_type_choices, default="resident_id")
    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=40)])
    birth_date = DateField(_l("Birth date (documents other than a resident ID)"), validators=[Optional()])
    category = SelectField(_l("Category"), choices=category_choices)
    ban_lifelong = BooleanField(_l("Lifelong ban"))
    ban_until = DateField(_l("Ban ends on"), validators=[Optional()])
    source_document = StringField(_l("Judgment or decision"), validators=[DataRequired(), Length(max=200)])
    source_date = DateField(_l("Date of the judgment or decision"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason for the change"), validators=[DataRequired(), Length(max=2000)])
    version = HiddenField()  # the entry's version, for corrections (409 when stale)


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class RemovalForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField(_l("Reason for the removal"), validators=[DataRequired(), Length(max=2000)])


class ReviewForm(FlaskForm):
    result = SelectField(_l("Decision"), choices=[("record", _l("The same person: record")),
                                                  ("no_record", _l("Not the same person: no record"))])


class ResolveRecheckForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=[("upheld", _l("The record stands")),
                                                  ("corrected", _l("The result was wrong: no record"))])
    resolution = TextAreaField(_l("Reply to the employer (never the record's content)"),
                               validators=[DataRequired(), Length(max=2000)])


class EntrySearchForm(FlaskForm):
    """The maintainers' search (GET): by ID number, or by name and birth date together."""

    class Meta:
        csrf = False

    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=40)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    birth_date = DateField(_l("Birth date"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if bool(self.name.data) != bool(self.birth_date.data) and not self.id_number.data:
            target = self.birth_date if self.name.data else self.name
            target.errors = [*target.errors, str(_l("Search by name needs the birth date too."))]
            return False
        return True
