"""The one permission check and the access helpers the features share."""
from __future__ import annotations

from workflow.admin.models import User
from workflow.core.errors import NotFound
from workflow.core.extensions import db
from workflow.permissions import require


def get_visible(user: User, model, object_id: int, action: str, missing: str):
    """The case or aid application if `can(user, action)` allows it; NotFound for unknown ids."""
    subject = db.session.get(model, object_id)
    if subject is None:
        raise NotFound(missing)
    require(user, action, subject)
    return subject
