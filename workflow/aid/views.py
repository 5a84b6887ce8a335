"""Aid application pages: the application with its money and actions, action POSTs, the diagram."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template, url_for
from flask_login import current_user, login_required

from workflow.aid import definition
from workflow.aid import operations as aid_service
from workflow.aid.models import AidApplication
from workflow.cases.history import timeline
from workflow.cases.labels import CHOICES
from workflow.core.access import can, compartments_seen
from workflow.core.clocks import local_today
from workflow.core.errors import WorkflowError
from workflow.core.models import utcnow
from workflow.core.money import yuan
from workflow.core.pages import action_forms, fire_from_page, svg

bp = Blueprint("aid", __name__)


def _load(application_id: int) -> AidApplication:
    try:
        return aid_service.get_application(current_user, application_id)
    except WorkflowError as exc:
        abort(404 if exc.status == 404 else exc.status)


def _render(application: AidApplication, *, failed: dict | None = None, status: int = 200):
    actions, forms = action_forms(application, failed)
    see = compartments_seen(current_user, application)
    return render_template(
        "aid/show.html", application=application, case=application.case, actions=actions, forms=forms,
        failed=failed or {}, see=see, can_open_case=can(current_user, "view_case", application.case)[0],
        timeline=timeline(application.case, application.events, current_user),
        state=definition.AID.by_state[application.state], now=utcnow(), today=local_today(),
        choices=CHOICES, yuan=yuan,
    ), status


@bp.route("/aid/<int:application_id>")
@login_required
def show(application_id: int):
    return _render(_load(application_id))


@bp.route("/aid/<int:application_id>/actions/<trigger>", methods=["POST"])
@login_required
def action(application_id: int, trigger: str):
    transition = definition.AID.by_trigger.get(trigger)
    application = _load(application_id)
    if transition is None or transition.automatic:
        abort(404)
    g.canonical_url = url_for("aid.show", application_id=application.id)
    return fire_from_page(application, transition, aid_service.fire, _render, g.canonical_url)


@bp.route("/aid/<int:application_id>/diagram.svg")
@login_required
def diagram(application_id: int):
    return svg(_load(application_id).state, definition.AID)
