"""Shared form pieces: the base action form, reason form and field helpers."""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length

MAX_FEN = 10**12  # ten billion yuan: far above any aid, far below integer overflow
# Set while the API builds a form: amounts then arrive as integer fen (rows of FieldLists included,
# which WTForms builds without the parent form's meta).
_AMOUNTS_IN_FEN: ContextVar[bool] = ContextVar("amounts_in_fen", default=False)


@contextmanager
def amounts_in_fen():
    token = _AMOUNTS_IN_FEN.set(True)
    try:
        yield
    finally:
        _AMOUNTS_IN_FEN.reset(token)


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


def yuan(fen: int | None) -> str:
    """Integer fen as a yuan amount with two decimals and thousands separators: 4500000 -> 45,000.00."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


class MoneyField(StringField):
    """An amount of money, kept as integer fen (never a float).

    Pages take yuan with at most two decimals ("45000", "45,000.50"); the API takes whole fen
    (4500000), as stored. Zero, negative and fractional-fen amounts are refused."""

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            return
        if _AMOUNTS_IN_FEN.get():
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
