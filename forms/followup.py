"""Follow-up: return visits and their cancellation; "judicial aid +" social-assistance referrals."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FieldList, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from workflow.core.forms import ActionForm, ReasonForm, SubForm, filled_rows
from workflow.followup.labels import REFERRAL_KIND_CHOICES, REFERRAL_REPLY_CHOICES, VISIT_MODE_CHOICES


def _open_referral_choices(case) -> list[tuple[int, str]]:
    labels = dict(REFERRAL_KIND_CHOICES)
    return [(r.id, f"{labels.get(r.kind, r.kind)} — {r.agency.name}") for r in case.referrals if r.is_open]


class ReferralRow(SubForm):
    key_field = "kind"

    kind = SelectField(_l("Assistance"), choices=[("", "—"), *REFERRAL_KIND_CHOICES], validators=[Optional()])
    agency_id = SelectField(_l("Agency"), coerce=int, validators=[DataRequired()])
    due_on = DateField(_l("Reply due"), validators=[DataRequired()])
    note = StringField(_l("What is asked"), validators=[Optional(), Length(max=1000)])

    def is_blank(self) -> bool:
        return not self.kind.data


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
    aid_use = TextAreaField(_l("How the aid money was used"), validators=[Optional(), Length(max=2000)])
    referrals = FieldList(FormField(ReferralRow), label=_l("New referrals"), min_entries=1, max_entries=5)

    def bind_case(self, case, choices=None) -> None:
        super().bind_case(case, choices)  # the agencies of the referral rows
        self.visit_id.choices = _open_visit_choices(case)

    def payload(self) -> dict:
        data = super().payload()
        data["referrals"] = filled_rows(self.referrals)
        return data


class SendReferralForm(ActionForm):
    kind = SelectField(_l("Assistance"), choices=REFERRAL_KIND_CHOICES, validators=[DataRequired()])
    agency_id = SelectField(_l("Agency"), coerce=int, validators=[DataRequired()])
    due_on = DateField(_l("Reply due"), validators=[DataRequired()])
    note = TextAreaField(_l("What is asked"), validators=[Optional(), Length(max=1000)])


class ReferralReplyForm(ActionForm):
    referral_id = SelectField(_l("Referral"), coerce=int, validators=[DataRequired()])
    status = SelectField(_l("Agency's reply"), choices=REFERRAL_REPLY_CHOICES, validators=[DataRequired()])
    outcome = TextAreaField(_l("Outcome"), validators=[Optional(), Length(max=2000)])

    def bind_case(self, case, choices=None) -> None:
        super().bind_case(case, choices)
        self.referral_id.choices = _open_referral_choices(case) if case is not None else []


class CloseReferralForm(ReasonForm):
    referral_id = SelectField(_l("Referral"), coerce=int, validators=[DataRequired()])

    def bind_case(self, case, choices=None) -> None:
        super().bind_case(case, choices)
        self.referral_id.choices = _open_referral_choices(case) if case is not None else []


class CancelVisitForm(ReasonForm):
    visit_id = SelectField(_l("Scheduled visit (due date)"), coerce=int, validators=[DataRequired()])

    def bind_case(self, case, choices=None) -> None:
        super().bind_case(case, choices)
        self.visit_id.choices = _open_visit_choices(case)


class AddVisitForm(ActionForm):
    due_on = DateField(_l("Due date"), validators=[DataRequired()])
