"""Aid endpoints of the JSON API: flagging a case for aid, aid applications and their actions."""
from __future__ import annotations

from flask import g, jsonify, url_for

from workflow.aid import definition, serializers
from workflow.aid import operations as aid_service
from workflow.cases.api import visible_case
from workflow.core import engine
from workflow.core.api import bp, fire_with


@bp.post("/cases/<int:case_id>/aid")
def flag_aid(case_id: int):
    """Open an aid application for the case (its `flag_aid` trigger)."""
    case = visible_case(case_id)
    application = fire_with(case, definition.FLAG_AID, aid_service.flag)
    response = jsonify(serializers.aid_detail(application, g.api_user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_aid", application_id=application.id)
    return response


def visible_application(application_id: int):
    """The application if the caller acts on it (404 otherwise)."""
    return aid_service.get_application(g.api_user, application_id)


@bp.get("/aid/<int:application_id>")
def get_aid(application_id: int):
    return jsonify(serializers.aid_detail(visible_application(application_id), g.api_user))


@bp.post("/aid/<int:application_id>/actions/<trigger>")
def fire_aid(application_id: int, trigger: str):
    application = visible_application(application_id)
    transition = engine.transition_for(trigger, definition.AID)
    application = fire_with(application, transition, lambda user, subject, version, form: aid_service.fire(
        user, subject, trigger, version, form))
    return jsonify(serializers.aid_detail(application, g.api_user))
