"""Case endpoints of the JSON API: the workflow definition, cases, and their actions (triggers)."""
from __future__ import annotations

from flask import current_app, g, jsonify, request, url_for
from flask_babel import gettext as _

from workflow.audit.api import reader_json
from workflow.audit.queries import case_readers
from workflow.cases import definition, serializers, states
from workflow.cases import operations as case_service
from workflow.core import engine
from workflow.core.access import can
from workflow.core.api import (
    MAX_PER_PAGE,
    BadRequest,
    bound_form,
    bp,
    fire_with,
    int_arg,
    json_object,
    shape_errors_merged,
)


def visible_case(case_id: int):
    """The case if the caller may open it (404 otherwise). Ids beyond 32 bits never reach here:
    the `int` route converter refuses them."""
    return case_service.get_case(g.api_user, case_id)


@bp.get("/workflow")
def workflow():
    return jsonify(serializers.workflow_json())


@bp.get("/cases")
def list_cases():
    query = request.args.get("q", "")
    state = request.args.get("state", "")
    if state and state not in states.STATE_BY_NAME:
        raise BadRequest(_("Unknown state: %(state)s.", state=state))
    page = int_arg("page", 1)
    per_page = int_arg("per_page", current_app.config.get("CASES_PER_PAGE", 50), maximum=MAX_PER_PAGE)
    result = case_service.search_cases(g.api_user, query=query, state=state, page=page, per_page=per_page)
    return jsonify(cases=[serializers.case_summary(c) for c in result.items], page=result.page,
                   per_page=result.per_page, total=result.total, pages=result.pages)


@bp.post("/cases")
def create_case():
    body = json_object()
    form, errors = bound_form(definition.CREATE, None, body)
    with shape_errors_merged(errors):
        case = case_service.create_case(g.api_user, form)
    response = jsonify(serializers.case_detail(case, g.api_user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_case", case_id=case.id)
    return response


@bp.get("/cases/<int:case_id>")
def get_case(case_id: int):
    case = visible_case(case_id)
    body = serializers.case_detail(case, g.api_user)
    if can(g.api_user, "see_case_readers", case)[0]:
        body["readers"] = [reader_json(reader) for reader in case_readers(case.id)]
    return jsonify(body)


@bp.post("/cases/<int:case_id>/actions/<trigger>")
def fire(case_id: int, trigger: str):
    case = visible_case(case_id)
    transition = engine.transition_for(trigger, definition.CASE)
    case = fire_with(case, transition, lambda user, subject, version, form: case_service.fire(
        user, subject, trigger, version, form))
    return jsonify(serializers.case_detail(case, g.api_user))
