"""Judicial aid: the case prosecutor's flag, and every step of the aid application."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FieldList, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from workflow.aid.labels import (
    APPLICANT_KIND_CHOICES,
    CONFIRMED_CHOICES,
    NOTIFY_CHOICES,
    PAYMENT_METHOD_CHOICES,
    RECOVERY_REASON_CHOICES,
    catalog_choices,
)
from workflow.core.forms import ActionForm, MoneyField, MultiCheckboxField, ReasonForm, SubForm, filled_rows


class FlagAidForm(ActionForm):
    grounds = MultiCheckboxField(_l("Eligibility grounds"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])

    def bind_case(self, case, choices=None) -> None:
        super().bind_case(case, choices)
        self.grounds.choices = catalog_choices("aid_grounds")


class ApplyForm(ActionForm):
    applicant_name = StringField(_l("Applicant"), validators=[DataRequired(), Length(max=120)])
    applicant_kind = SelectField(_l("Applicant is the child's"), choices=APPLICANT_KIND_CHOICES,
                                 validators=[DataRequired()])
    applicant_phone = StringField(_l("Applicant's phone"), validators=[Optional(), Length(max=40)])
    requested_fen = MoneyField(_l("Requested amount (yuan)"), validators=[DataRequired()])
    grounds = MultiCheckboxField(_l("Eligibility grounds"), validators=[DataRequired()])
    documents = MultiCheckboxField(_l("Supporting documents received"), validators=[DataRequired()])
    statement = TextAreaField(_l("Applicant's statement"), validators=[Optional(), Length(max=5000)])

    def bind_case(self, app, choices=None) -> None:
        super().bind_case(app, choices)
        self.grounds.choices = catalog_choices("aid_grounds")
        self.documents.choices = catalog_choices("aid_documents")
        if app is not None and not self.grounds.raw_data and self.grounds.data is None:
            self.grounds.data = list(app.grounds or [])


class RefuseForm(ReasonForm):
    refusal_grounds = MultiCheckboxField(_l("Refusal grounds"), validators=[DataRequired()])

    def bind_case(self, app, choices=None) -> None:
        super().bind_case(app, choices)
        self.refusal_grounds.choices = catalog_choices("aid_refusal_grounds")


class FinancesForm(ActionForm):
    household_size = IntegerField(_l("Household members"), validators=[DataRequired(), NumberRange(min=1, max=50)])
    monthly_income_fen = MoneyField(_l("Household monthly income (yuan)"), validators=[Optional()])
    losses_fen = MoneyField(_l("Losses and costs caused by the offence (yuan)"), validators=[Optional()])
    finances_note = TextAreaField(_l("Findings on the family's finances"),
                                  validators=[DataRequired(), Length(max=5000)])


class EntrustForm(ActionForm):
    agency_id = SelectField(_l("Entrusted agency"), coerce=int, validators=[DataRequired()])
    request = TextAreaField(_l("What to verify"), validators=[DataRequired(), Length(max=2000)])


class VerificationReportForm(ActionForm):
    finances_confirmed = SelectField(_l("Declared finances"), choices=CONFIRMED_CHOICES,
                                     validators=[DataRequired()])
    report = TextAreaField(_l("Verification report"), validators=[DataRequired(), Length(max=5000)])


class InstalmentRow(SubForm):
    key_field = "due_on"

    due_on = DateField(_l("Due on"), validators=[DataRequired()])
    amount_fen = MoneyField(_l("Amount (yuan)"), validators=[DataRequired()])

    def is_blank(self) -> bool:
        # A row is blank only when both are empty: half a row is an error, never silently dropped.
        return not any((field.raw_data or [""])[0].strip() for field in (self.due_on, self.amount_fen))


class ProposalForm(ActionForm):
    proposed_fen = MoneyField(_l("Total aid (yuan)"), validators=[DataRequired()])
    county_fen = MoneyField(_l("County-level contribution (yuan)"), validators=[Optional()])
    city_fen = MoneyField(_l("City-level contribution (yuan)"), validators=[Optional()])
    province_fen = MoneyField(_l("Province-level contribution (yuan)"), validators=[Optional()])
    instalments = FieldList(FormField(InstalmentRow), label=_l("Instalment plan"), min_entries=3, max_entries=24)
    supervised_account = StringField(_l("Supervised account (bank and holder), if any"),
                                     validators=[Optional(), Length(max=200)])
    over_cap_reason = TextAreaField(_l("Written reason for exceeding the cap"),
                                    validators=[Optional(), Length(max=5000)])
    proposal_note = TextAreaField(_l("Review report"), validators=[DataRequired(), Length(max=5000)])

    def payload(self) -> dict:
        data = super().payload()
        data["instalments"] = filled_rows(self.instalments)
        return data


class ApproveForm(ActionForm):
    decision_note = TextAreaField(_l("Decision"), validators=[DataRequired(), Length(max=5000)])
    meeting_on = DateField(_l("Chief procurator's meeting: date"), validators=[Optional()])
    meeting_attendees = StringField(_l("Meeting attendees"), validators=[Optional(), Length(max=1000)])
    meeting_resolution = TextAreaField(_l("Meeting resolution"), validators=[Optional(), Length(max=5000)])


class EmergencyForm(ReasonForm):
    amount_fen = MoneyField(_l("Emergency aid (yuan)"), validators=[DataRequired()])


class NotifyForm(ActionForm):
    notified_on = DateField(_l("Notified on"), validators=[DataRequired()])
    notified_by = SelectField(_l("How"), choices=NOTIFY_CHOICES, validators=[DataRequired()])


class PaymentForm(ActionForm):
    amount_fen = MoneyField(_l("Amount paid (yuan)"), validators=[DataRequired()])
    on_date = DateField(_l("Paid on"), validators=[DataRequired()])
    method = SelectField(_l("Method"), choices=PAYMENT_METHOD_CHOICES, validators=[DataRequired()])
    reference = StringField(_l("Payment reference"), validators=[DataRequired(), Length(max=120)])


class RecoveryForm(ActionForm):
    amount_fen = MoneyField(_l("Amount recovered (yuan)"), validators=[DataRequired()])
    on_date = DateField(_l("Recovered on"), validators=[DataRequired()])
    recovery_reason = SelectField(_l("Why"), choices=RECOVERY_REASON_CHOICES, validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
