"""Inbox endpoints of the JSON API: tasks and notifications."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from workflow.core import serializers as core_serializers
from workflow.core.api import BadRequest, bp, int_arg
from workflow.core.errors import WorkflowError
from workflow.inbox import notifications as notification_service
from workflow.inbox import serializers as inbox_serializers
from workflow.inbox import tasks as task_service


@bp.get("/tasks")
def tasks():
    scope = request.args.get("scope", "mine")
    if scope not in task_service.SCOPES:
        raise BadRequest(_("Unknown scope; use one of: %(scopes)s.", scopes=", ".join(task_service.SCOPES)))
    if scope == "centre" and "supervisor" not in g.api_user.roles:
        raise WorkflowError(_("Only supervisors see the centre's tasks."), status=403, code="forbidden")
    return jsonify(scope=scope, tasks=[core_serializers.task_json(t) for t in task_service.inbox(g.api_user, scope)])


@bp.get("/notifications")
def notifications():
    unread_only = request.args.get("unread") in ("1", "true")
    rows = notification_service.recent(g.api_user, unread_only=unread_only, limit=int_arg("limit", 100, maximum=500))
    return jsonify(unread=notification_service.unread_count(g.api_user),
                   notifications=[inbox_serializers.notification_json(n) for n in rows])


@bp.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    notification_service.mark_read(g.api_user, notification_id)
    return jsonify(inbox_serializers.notification_json(notification_service.get_own(g.api_user, notification_id)))


@bp.post("/notifications/read")
def read_all_notifications():
    return jsonify(marked=notification_service.mark_read(g.api_user))
