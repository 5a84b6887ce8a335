"""The documents the register issues, and what the result notice is about."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from workflow.core.process import DocumentSpec, always

REGISTRY_DOCUMENTS: tuple[DocumentSpec, ...] = (
    DocumentSpec("inquiry_notice", _l("Entry inquiry result notice"), 1, ("partner_agency",), ("employer_hr",), "查",
                 ("inquiry",), always),
)


@dataclass
class NoticeSubject:
    """What the inquiry_notice template's section reads: the answer, never the entry."""

    number: str
    person_name: str
    id_number: str
    post: str
    employer: str
    asked_at: dt.datetime
    result: str
