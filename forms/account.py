"""Forms of signing in and of one's own account: password, second-factor code, enrolment, password change."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    """The second step: the authenticator app's 6 digits, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"},
                       description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."))


class EnrolForm(FlaskForm):
    code = StringField(_l("Code shown by the app"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password (at least 10 characters)"),
                                 validators=[DataRequired(), Length(min=10, max=200)])
    repeat = PasswordField(_l("New password again"),
                           validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))])
