"""JSON shape of notifications."""
from __future__ import annotations

from workflow.core import process
from workflow.core.serializers import utc
from workflow.inbox.labels import NOTIFICATION_LABELS
from workflow.inbox.models import Notification


def notification_json(notification: Notification) -> dict:
    """A clock notification carries its task; a notice about a case (`task` null) its case and who
    did what it reports; a notice about an account the account (`actor`) and its counts (`details`)."""
    task = notification.task
    return {
        "id": notification.id,
        "kind": notification.kind,
        "label": str(NOTIFICATION_LABELS[notification.kind]),
        "task": None if task is None else {
            "id": task.id, "title": process.task_title(task), "case_id": task.case_id,
            "case_number": task.case.number, "aid_application_id": task.aid_application_id,
            "closed": task.closed_at is not None},
        "case": None if notification.case is None else {"id": notification.case.id,
                                                        "number": notification.case.number},
        "actor": None if notification.actor is None else {"id": notification.actor.id,
                                                          "full_name": notification.actor.full_name},
        "details": notification.details,
        "task_due_at": utc(notification.task_due_at),
        "created_at": utc(notification.created_at),
        "read_at": utc(notification.read_at),
    }
