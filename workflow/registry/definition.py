"""The documents the register issues."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.core.process import DocumentSpec, always

REGISTRY_DOCUMENTS: tuple[DocumentSpec, ...] = (
    DocumentSpec("inquiry_notice", _l("Entry inquiry result notice"), 1, ("partner_agency",), ("employer_hr",), "查",
                 ("inquiry",), always),
)
