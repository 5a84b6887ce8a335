"""Forms of the documents pages: generate one document, generate a batch, verify a document."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from workflow.documents.labels import RECIPIENT_LABELS

RECIPIENT_CHOICES = list(RECIPIENT_LABELS.items())
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class GenerateDocumentForm(FlaskForm):
    document = HiddenField(validators=[DataRequired()])
    item_id = IntegerField(validators=[Optional()])
    recipient = SelectField(_l("Recipient"), choices=RECIPIENT_CHOICES, validators=[DataRequired()])
    final = BooleanField(_l("Final (numbered, no DRAFT watermark)"))


class BatchDocumentsForm(FlaskForm):
    recipient = SelectField(_l("Recipient"), choices=RECIPIENT_CHOICES, validators=[DataRequired()])
    final = BooleanField(_l("Final (numbered, no DRAFT watermark)"))


class VerifyForm(FlaskForm):
    """Either a PDF to check, or the SHA-256 or verification code printed on it."""

    pdf = FileField(_l("PDF file"), validators=[FileSize(MAX_UPLOAD_BYTES, message=_l("The file is too large."))])
    reference = StringField(
        _l("SHA-256 or verification code"), filters=[lambda value: value.strip() if value else value],
        validators=[Optional(), Length(max=64), Regexp(
            r"^([0-9a-fA-F]{64}|[A-Za-z0-9]{10})$",
            message=_l("Enter the 64-character SHA-256 or the 10-character verification code."))])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.reference.data and not self.pdf.data:
            self.reference.errors = [_l("Choose a PDF file or enter its SHA-256 or verification code.")]
            return False
        return valid
