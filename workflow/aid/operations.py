"""Judicial aid applications: finding them, opening one from a case, firing their triggers."""
from __future__ import annotations

from flask_babel import gettext as _

from workflow.admin.models import User
from workflow.aid import definition
from workflow.aid.models import AidApplication
from workflow.cases.models import Case
from workflow.core import engine
from workflow.core.access import get_visible


def get_application(user: User, application_id: int) -> AidApplication:
    """The application if the user acts on it; NotFound otherwise (strangers cannot probe ids)."""
    return get_visible(user, AidApplication, application_id, "view_aid", _("Aid application not found."))


def flag(actor: User, case: Case, version, form) -> AidApplication:
    """`flag_aid` on the case; returns the application it opened."""
    engine.fire(case, definition.FLAG_AID.trigger, actor, version, form)
    return case.aid_applications[-1]


def fire(actor: User | None, application: AidApplication, trigger: str, version, form) -> AidApplication:
    return engine.fire(application, trigger, actor, version, form)
