"""Labels of document recipients and statuses."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

RECIPIENT_LABELS = {"internal": _l("Internal file copy"), "court": _l("Copy for the court"),
                    "family": _l("Copy for the family"), "partner_agency": _l("Copy for the partner agency")}
DOCUMENT_STATUS_LABELS = {"draft": _l("Draft"), "final": _l("Final")}
