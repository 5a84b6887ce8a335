"""The bell: a user's clock notifications and notices about cases."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from workflow.core.errors import NotFound
from workflow.inbox import notifications as notification_service

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("")
@login_required
def index():
    return render_template("inbox/notifications.html", notifications=notification_service.recent(current_user))


@bp.post("/read")
@login_required
def read_all():
    notification_service.mark_read(current_user)
    return redirect(url_for("notifications.index"))


@bp.post("/<int:notification_id>/open")
@login_required
def open_one(notification_id: int):
    """Mark read and go to the task's case or aid application (whose page checks access again),
    or to the page a notice about a case leads to."""
    try:
        notification = notification_service.get_own(current_user, notification_id)
    except NotFound:
        abort(404)
    notification_service.mark_read(current_user, notification_id)
    task = notification.task
    if task is None:
        return redirect(notification_service.link_of(notification))
    if task.aid_application_id is not None:
        return redirect(url_for("aid.show", application_id=task.aid_application_id, _anchor="tasks"))
    return redirect(url_for("cases.show", case_id=task.case_id, _anchor="tasks"))
