"""Shared form pieces: the base action form, reason form and field helpers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SelectMultipleField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length


class ActionForm(FlaskForm):
    """Base of every form that fires a workflow trigger.

    `version` carries the case version the user read (409 when stale). Forms whose choices
    depend on the case (samples, visits, users) fill them in `bind_case`.
    """

    version = HiddenField()
    # Field names whose values are never copied into the case history (e.g. therapy notes).
    private_fields: frozenset[str] = frozenset()

    def bind_case(self, case) -> None:  # noqa: ARG002 - hook for subclasses
        return None

    def payload(self) -> dict:
        data = dict(self.data)
        data.pop("version", None)
        data.pop("csrf_token", None)
        return data


class ConfirmForm(ActionForm):
    """A trigger that needs no data besides the version."""


class ReasonForm(ActionForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class SubForm(Form):
    """Rows inside a FieldList; a row whose `name`-like key field is blank is ignored."""

    key_field = "name"

    def is_blank(self) -> bool:
        return not (self[self.key_field].data or "").strip()

    def validate(self, extra_validators=None) -> bool:
        # Pages offer a few empty rows; those carry nothing and need no valid choices.
        return True if self.is_blank() else super().validate(extra_validators)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def filled_rows(field_list) -> list[dict]:
    """Data of the non-blank rows of a FieldList of SubForms."""
    return [entry.form.data for entry in field_list.entries if not entry.form.is_blank()]
