"""The auditors' pages: search the audit trail by user, case, time, kind, action and outcome, and
export a search as CSV (itself recorded). Auditors only (`audit_view`)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from workflow.audit import queries
from workflow.audit.labels import AUDIT_ACTION_LABELS, AUDIT_OUTCOMES
from workflow.audit.models import KINDS
from workflow.core.access import can
from workflow.core.api import int_arg
from workflow.core.clocks import local
from workflow.core.errors import WorkflowError
from workflow.core.models import utcnow
from workflow.core.pages import error_page

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.before_request
@login_required
def _auditors_only():
    allowed, reason = can(current_user, "audit_view")
    if not allowed:
        abort(reason.status if reason.status in (401, 403) else 403)


@bp.after_request
def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")  # who read which child's file stays off caches
    return response


def _page(result, errors: dict, status: int = 200):
    query = {name: value for name, value in request.args.items() if name != "page" and value}
    return render_template("audit/index.html", result=result, errors=errors, args=request.args, query=query,
                           kinds=KINDS, outcomes=AUDIT_OUTCOMES, actions=sorted(AUDIT_ACTION_LABELS),
                           export_limit=queries.EXPORT_LIMIT, object_text=queries.object_text), status


@bp.get("")
def index():
    try:
        filters = queries.parse_filters(request.args)
    except WorkflowError as exc:
        return _page(None, exc.fields, exc.status)
    try:
        result = queries.search(current_user, filters, int_arg("page", 1))
    except WorkflowError as exc:
        return error_page(exc)
    return _page(result, {})


@bp.get("/export.csv")
def export():
    try:
        done = queries.export(current_user, queries.parse_filters(request.args))
    except WorkflowError as exc:
        return error_page(exc)
    response = Response(done.content, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{local(utcnow()):%Y%m%d-%H%M%S}.csv"'
    if done.truncated:
        response.headers["X-Export-Limit"] = str(queries.EXPORT_LIMIT)
    return response
