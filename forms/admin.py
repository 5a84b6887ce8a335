"""Forms of the administration pages: agencies, users, settings, calendar days and wages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from workflow.admin.labels import AGENCY_KIND_LABELS, AGENCY_KINDS, CALENDAR_KIND_LABELS
from workflow.core.forms import MoneyField, MultiCheckboxField
from workflow.core.labels import CLOCK_UNIT_LABELS
from workflow.core.process import clock_settings
from workflow.core.roles import AID_LEVEL_LABELS, AID_LEVELS, ROLE_LABELS, ROLES, SEX_CHOICES


class AgencyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[(k, AGENCY_KIND_LABELS.get(k, k)) for k in AGENCY_KINDS],
                       validators=[DataRequired()])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=100)])
    doc_prefix = StringField(_l("Issue-number prefix of its documents (e.g. 穗检未)"),
                             validators=[Optional(), Length(max=20)])


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    sex = SelectField(_l("Sex"), choices=SEX_CHOICES, validators=[DataRequired()])
    agency_id = SelectField(_l("Agency"), coerce=int, validators=[DataRequired()])
    # A new user needs one (the service says so); roles added to a user wait for a second administrator.
    roles = MultiCheckboxField(_l("Roles"), choices=[(r, ROLE_LABELS.get(r, r)) for r in ROLES],
                               validators=[Optional()])
    aid_level = SelectField(_l("Aid approval level (aid approvers only)"),
                            choices=[("", "—"), *((k, AID_LEVEL_LABELS[k]) for k in AID_LEVELS)],
                            validators=[Optional()])
    email = StringField(_l("E-mail (for deadline notifications)"), validators=[Optional(), Length(max=254)])
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("Password (at least 10 characters)"), validators=[Optional(), Length(max=200)])


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Day"), validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=list(CALENDAR_KIND_LABELS.items()), validators=[DataRequired()])
    name = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=60)])


class WageForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    region = StringField(_l("Region (as on the procuratorate)"), validators=[DataRequired(), Length(max=100)])
    monthly_fen = MoneyField(_l("Average monthly wage (yuan)"), validators=[DataRequired()])


class SettingsForm(FlaskForm):
    visit_schedule_months = StringField(
        _l("Return visits, months after follow-up starts (comma-separated)"),
        validators=[DataRequired(), Length(max=100)])
    escalation_due_soon_hours = IntegerField(
        _l("Remind the assignee this many hours before a task is due"),
        validators=[InputRequired(), NumberRange(min=1, max=24 * 30)])
    escalation_supervisor_after_hours = IntegerField(
        _l("Tell the supervisor this many hours after the assignee was told a task is overdue"),
        validators=[InputRequired(), NumberRange(min=0, max=24 * 30)])


class LimitsForm(FlaskForm):
    """The judicial aid approval matrix and cap, the register's limits per employer, the limits of
    logins, sessions, tokens and emergency access, and the retention period of closed cases."""

    aid_threshold_a_fen = MoneyField(_l("A department head approves aid up to (yuan)"),
                                     validators=[DataRequired()])
    aid_threshold_b_fen = MoneyField(
        _l("A deputy chief procurator approves aid up to (yuan); above it, the chief procurator's meeting"),
        validators=[DataRequired()])
    aid_cap_months = IntegerField(_l("Aid cap, in average monthly wages of the year and region"),
                                  validators=[InputRequired(), NumberRange(min=1, max=120)])
    registry_inquiries_per_hour = IntegerField(_l("Single entry inquiries per employer and hour"),
                                               validators=[InputRequired(), NumberRange(min=1, max=100_000)])
    registry_batches_per_day = IntegerField(_l("Batch screenings per employer in 24 hours"),
                                            validators=[InputRequired(), NumberRange(min=1, max=1_000)])
    registry_batch_max_rows = IntegerField(_l("Rows per batch screening"),
                                           validators=[InputRequired(), NumberRange(min=1, max=1_000_000)])
    login_failures_before_lock = IntegerField(_l("Wrong passwords or codes in a row before an account is locked"),
                                              validators=[InputRequired(), NumberRange(min=3, max=20)])
    login_lock_minutes = IntegerField(_l("First lock, in minutes (each further failure doubles it)"),
                                      validators=[InputRequired(), NumberRange(min=1, max=24 * 60)])
    login_lock_max_minutes = IntegerField(_l("Longest lock, in minutes"),
                                          validators=[InputRequired(), NumberRange(min=1, max=30 * 24 * 60)])
    session_idle_minutes = IntegerField(_l("A session ends after this many minutes without a request"),
                                        validators=[InputRequired(), NumberRange(min=5, max=12 * 60)])
    session_max_hours = IntegerField(_l("A session ends this many hours after the login at the latest"),
                                     validators=[InputRequired(), NumberRange(min=1, max=7 * 24)])
    api_token_hours = IntegerField(_l("API tokens live this many hours"),
                                   validators=[InputRequired(), NumberRange(min=1, max=7 * 24)])
    break_glass_minutes = IntegerField(_l("Emergency access (break-the-glass) lasts this many minutes"),
                                       validators=[InputRequired(), NumberRange(min=5, max=24 * 60)])
    # Bulk-read detection: sized so that a busy day never trips them (docs/security.md).
    bulk_read_window_minutes = IntegerField(_l("Bulk reading: window, in minutes, over which an account's case "
                                               "pages, downloads, exports and searches are counted"),
                                            validators=[InputRequired(), NumberRange(min=1, max=24 * 60)])
    bulk_read_warning = IntegerField(_l("Bulk reading: from this many in the window, the centre's supervisors and "
                                        "the auditors are warned"),
                                     validators=[InputRequired(), NumberRange(min=5, max=100_000)])
    bulk_read_limit = IntegerField(_l("Bulk reading: from this many in the window, the account is suspended until "
                                      "a supervisor releases it"),
                                   validators=[InputRequired(), NumberRange(min=5, max=100_000)])
    # At least the three years of a civil claim's limitation period (Civil Code art. 188): README.
    retention_years = IntegerField(_l("Closed cases are anonymised this many years after closing "
                                      "(never before the child turns 21, never under a legal hold)"),
                                   validators=[InputRequired(), NumberRange(min=3, max=100)])


def settings_form() -> SettingsForm:
    """The settings form with one field per clock of the process definitions."""
    clocks = {
        key: IntegerField(_l("%(task)s (%(unit)s)", task=spec.title, unit=CLOCK_UNIT_LABELS[clock.unit]),
                          validators=[InputRequired(), NumberRange(min=1, max=MAX_CLOCK[clock.unit])])
        for key, (clock, spec) in clock_settings().items()
    }
    form_class = type("ClockSettingsForm", (SettingsForm,), clocks)
    form = form_class()
    form.clock_keys = list(clocks)
    return form


MAX_CLOCK = {"hours": 24 * 60, "working_days": 250, "days": 3 * 365}
