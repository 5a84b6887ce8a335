"""What users do to their own account: log out, change the password."""
from __future__ import annotations

from flask_babel import gettext as _

from workflow.admin import sessions
from workflow.admin.models import User
from workflow.admin.signin import check_current_password, hash_password
from workflow.audit import trail
from workflow.core.errors import Invalid
from workflow.core.extensions import db


def log_out() -> None:
    row = sessions.current()
    if row is not None:
        sessions.end(row, "logout")
        trail.record("logout", "logout", user_id=row.user_id)
        db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """A new password ends every session and API token (copies of this browser's cookie too); this
    browser goes on in a new session."""
    check_current_password(user, current)
    if len(new) < 10:
        raise Invalid(_("Passwords need at least 10 characters."), {"new_password": [_("too short")]})
    user.password_hash = hash_password(new)
    sessions.end_all(user, "password")
    sessions.start(user)
    db.session.commit()

