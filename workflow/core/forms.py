"""Shared form pieces: the base action form, reason form, field helpers (money, resident ID numbers),
and errors between forms and services."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.fields import FieldList, FormField
from wtforms.validators import DataRequired, Length, ValidationError

from workflow.core.identity import check_digit
from workflow.core.money import MAX_FEN, amounts_are_fen, yuan


class ActionForm(FlaskForm):
    """Base of every form that fires a workflow trigger.

    `version` carries the case version the user read (409 when stale). Choices that depend on the
    database come from the process definition (`Transition.choices`) through `bind_case`; a form
    fills those it derives from the case itself (samples, visits, contacts) in its override.
    """

    version = HiddenField()
    # Field names whose values are never copied into the case history (e.g. therapy notes).
    private_fields: frozenset[str] = frozenset()

    def bind_case(self, case, choices: dict[str, list] | None = None) -> None:  # noqa: ARG002 - for subclasses
        """Put each given field's choices (field name -> (value, label) pairs) on the fields of that
        name, rows of FieldLists included. `case` is the subject, None for a blank form."""
        for name, options in (choices or {}).items():
            for field in self._fields_named(name):
                field.choices = options

    def _fields_named(self, name: str) -> list:
        found = [self._fields[name]] if name in self._fields else []
        for field in self._fields.values():
            if isinstance(field, FieldList):
                found += [entry.form._fields[name] for entry in field.entries
                          if isinstance(entry, FormField) and name in entry.form._fields]
        return found

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


class MoneyField(StringField):
    """An amount of money, kept as integer fen (never a float).

    Pages take yuan with at most two decimals ("45000", "45,000.50"); the API takes whole fen
    (4500000), as stored. Zero, negative and fractional-fen amounts are refused."""

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            return
        if amounts_are_fen():
            if not re.fullmatch(r"\d{1,13}", raw):
                raise ValueError(_l("An amount must be a positive whole number of fen (1 yuan = 100 fen)."))
            fen = int(raw)
        else:
            match = re.fullmatch(r"(\d{1,11})(?:\.(\d{1,2}))?", raw.replace(",", "").replace("，", ""))
            if match is None:
                raise ValueError(_l("Enter a positive amount in yuan with at most two decimals."))
            fen = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
        if not 0 < fen <= MAX_FEN:
            raise ValueError(_l("The amount must be above zero and at most %(max)s yuan.", max=yuan(MAX_FEN)))
        self.data = fen

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data // 100}.{self.data % 100:02d}"


_RESIDENT_ID = re.compile(r"\d{17}[\dX]")


def resident_id(form, field) -> None:  # noqa: ARG001 - WTForms validator signature
    """A GB 11643 18-digit resident identity number with its ISO 7064 MOD 11-2 check digit."""
    value = (field.data or "").strip().upper()
    if value and not (_RESIDENT_ID.fullmatch(value) and check_digit(value[:17]) == value[17]):
        raise ValidationError(_l("Not a valid 18-digit resident ID number (check digit mismatch)."))


# --- form error helpers -------------------------------------------------------------------------

def form_errors(form) -> dict[str, list[str]]:
    def flatten(errors, prefix=""):
        out: dict[str, list[str]] = {}
        if isinstance(errors, dict):
            for key, value in errors.items():
                out.update(flatten(value, f"{prefix}{key}" if not prefix else f"{prefix}-{key}"))
        elif isinstance(errors, list):
            # Messages may be lazy strings (custom validators use lazy_gettext): not str instances.
            messages = [str(e) for e in errors if not isinstance(e, (dict, list))]
            if messages:
                out[prefix] = messages
            for index, item in enumerate(errors):
                if isinstance(item, (dict, list)) and item:
                    out.update(flatten(item, f"{prefix}-{index}"))
        return out

    return flatten({name: f.errors for name, f in form._fields.items() if f.errors})


def _field_at(form, path: str):
    """The (sub)field named by an error key such as `attendees` or `attendees-0-name`, or None."""
    parts = path.split("-")
    field = form._fields.get(parts[0])
    for part in parts[1:]:
        if isinstance(field, FieldList) and part.isdigit() and int(part) < len(field.entries):
            field = field.entries[int(part)]
        elif isinstance(field, FormField):
            field = field.form._fields.get(part)
        else:
            return None
    return field


def attach_errors(form, fields: dict[str, Any]) -> list[str]:
    """Put errors a service reported (`Invalid.fields`) beside their fields; return the rest.

    When the form failed its own validation its fields already carry the errors."""
    if form.errors:
        return []
    leftover: list[str] = []
    for name, messages in fields.items():
        messages = [str(m) for m in (messages if isinstance(messages, (list, tuple)) else [messages])]
        field = None if name in ("version", "csrf_token") else _field_at(form, name)
        if field is None or isinstance(field, FormField):
            leftover += messages
            continue
        current = [e for e in (field.errors or []) if isinstance(e, str)]
        field.errors = [*(field.errors or []), *(m for m in messages if m not in current)]
    return leftover
