"""Paged lists, one rule for pages and the API: page 1 always exists (an empty list has it), a later
page only while rows reach it. Page numbers are parsed with `workflow.core.api.int_arg` (a positive
integer of at most nine digits, else 400), so no offset can overflow the database's."""
from __future__ import annotations

from flask_babel import gettext as _

from workflow.core.errors import NotFound


def require_page(page: int, total: int, per_page: int) -> None:
    """NotFound (404) for a page after the last of `total` rows."""
    if page > 1 and (page - 1) * per_page >= total:
        raise NotFound(_("There is no page %(page)d of this list.", page=page))
