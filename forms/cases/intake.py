"""Intake: new referral, guardians and appropriate adults, suspects, consent."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from workflow.cases.labels import CONTACT_KIND_CHOICES, OFFENCE_CHOICES, REFERRAL_SOURCE_CHOICES, SEX_CHOICES
from workflow.core.clocks import local_today
from workflow.core.forms import ActionForm, SubForm, filled_rows, resident_id


class ContactRow(SubForm):
    kind = SelectField(_l("Kind"), choices=CONTACT_KIND_CHOICES, default="guardian")
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    relation = StringField(_l("Relation to the child"), validators=[Optional(), Length(max=60)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    is_suspect = BooleanField(_l("Is a suspect"))
    absent = BooleanField(_l("Absent / unreachable"))


class SuspectRow(SubForm):
    name = StringField(_l("Suspect name"), validators=[Optional(), Length(max=120)])
    relation_to_victims = StringField(_l("Relation to the child"), validators=[Optional(), Length(max=80)])


class CreateCaseForm(ActionForm):
    centre_id = SelectField(_l("One-stop centre"), coerce=int, default=0, validators=[Optional()])
    referral_source = SelectField(_l("Referral source"), choices=REFERRAL_SOURCE_CHOICES,
                                  validators=[DataRequired()])
    referral_detail = TextAreaField(_l("Referral details"), validators=[Optional(), Length(max=2000)])
    child_name = StringField(_l("Child's name"), validators=[DataRequired(), Length(max=120)])
    child_sex = SelectField(_l("Child's sex"), choices=SEX_CHOICES, validators=[DataRequired()])
    child_birth_date = DateField(_l("Child's birth date"), validators=[DataRequired()])
    child_id_number = StringField(_l("Child's ID number (optional)"), validators=[Optional(), resident_id])
    incident_number = StringField(_l("Existing incident number (for another child of the same incident)"),
                                  validators=[Optional(), Length(max=32)])
    # No Optional(): it would stop the chain before validate_offence_type, which requires it.
    offence_type = SelectField(_l("Offence type"), choices=[("", "—")] + OFFENCE_CHOICES, default="")
    police_case_no = StringField(_l("Police case number"), validators=[Optional(), Length(max=64)])
    occurred_on = DateField(_l("Date of the incident"), validators=[Optional()])
    contacts = FieldList(FormField(ContactRow), min_entries=2, max_entries=10)
    suspects = FieldList(FormField(SuspectRow), min_entries=1, max_entries=10)

    def validate_offence_type(self, field) -> None:
        if not (self.incident_number.data or "").strip() and not field.data:
            raise ValidationError(_l("Choose the offence type, or give an existing incident number."))

    def validate_child_birth_date(self, field) -> None:
        if field.data and field.data > local_today():
            raise ValidationError(_l("The birth date is in the future."))

    def validate_contacts(self, field) -> None:
        for row in filled_rows(field):
            if row["kind"] not in dict(CONTACT_KIND_CHOICES):
                raise ValidationError(_l("Unknown contact kind."))

    def payload(self) -> dict:
        data = super().payload()
        data["contacts"] = filled_rows(self.contacts)
        data["suspects"] = filled_rows(self.suspects)
        return data


class AddContactForm(ActionForm):
    kind = SelectField(_l("Kind"), choices=CONTACT_KIND_CHOICES, validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    relation = StringField(_l("Relation to the child"), validators=[Optional(), Length(max=60)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    is_suspect = BooleanField(_l("Is a suspect"))
    absent = BooleanField(_l("Absent / unreachable"))


class AddSuspectForm(ActionForm):
    name = StringField(_l("Suspect name"), validators=[DataRequired(), Length(max=120)])
    relation_to_victims = StringField(_l("Relation to the child"), validators=[Optional(), Length(max=80)])


class ConsentForm(ActionForm):
    given_by = SelectField(_l("Consent given by"), coerce=int, validators=[DataRequired()])
    note = TextAreaField(_l("Note (what was explained, how consent was given)"),
                         validators=[Optional(), Length(max=2000)])

    def bind_case(self, case, choices=None) -> None:
        super().bind_case(case, choices)
        # Only a guardian or appropriate adult who may act for the child can consent.
        self.given_by.choices = [(c.id, f"{c.name} ({c.relation or c.kind})")
                                 for c in case.contacts if c.can_act_for_child]
