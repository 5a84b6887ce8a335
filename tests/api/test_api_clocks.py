"""Clocks over the API: each task's clock, the overdue scope, and the notifications endpoints."""
from __future__ import annotations

import datetime as dt

from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.inbox import escalation


def _late(case) -> object:
    """Make the case's open task overdue by two hours (as if its clock had started long ago)."""
    [task] = [t for t in case.tasks if t.is_open]
    task.due_at = utcnow() - dt.timedelta(hours=2)
    db.session.commit()
    return task


def test_tasks_carry_their_clock(api, make_case):
    case = make_case("registered")
    [task] = api.tasks("examiner")
    assert task["case_id"] == case.id and task["started_at"] and task["due_at"]
    assert task["clock"]["state"] == "running" and 0 < task["clock"]["remaining_seconds"] <= 24 * 3600
    assert task["clock"]["paused_seconds"] == 0 and task["overdue"] is False

    _late(case)
    [task] = api.tasks("examiner", scope="overdue")
    assert task["overdue"] is True and task["clock"]["state"] == "overdue"
    assert task["clock"]["remaining_seconds"] < 0
    # the supervisor's overdue view covers the centre; the other centre's supervisor sees nothing
    assert [t["id"] for t in api.tasks("supervisor", scope="overdue")] == [task["id"]]
    assert api.tasks("other_supervisor", scope="overdue") == []

    api.ok(case.id, "suspend", "supervisor", {"reason": "儿童住院治疗。"})
    assert api.tasks("examiner", scope="overdue") == []  # a suspended case's clocks stand still
    [paused] = api.tasks("examiner")
    assert paused["clock"]["state"] == "paused" and paused["overdue"] is False
    assert paused["clock"]["paused_since"] is not None


def test_notifications_are_listed_read_and_private(api, make_case):
    case = make_case("registered")
    _late(case)
    report = escalation.run()
    assert (report.overdue, report.notifications) == (1, 1)

    body = api.get("/notifications", "examiner").get_json()
    assert body["unread"] == 1
    [notice] = body["notifications"]
    assert notice["kind"] == "overdue" and notice["task"]["case_number"] == case.number
    assert notice["read_at"] is None and notice["label"]
    assert case.child_name not in str(body)  # a notice names the case, never the child

    assert api.get("/notifications", "supervisor").get_json() == {"unread": 0, "notifications": []}
    api.error(api.post(f"/notifications/{notice['id']}/read", "supervisor"), 404, "not_found")

    read = api.post(f"/notifications/{notice['id']}/read", "examiner")
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    assert api.get("/notifications?unread=1", "examiner").get_json() == {"unread": 0, "notifications": []}
    assert api.post("/notifications/read", "examiner").get_json() == {"marked": 0}
    api.error(api.get("/notifications?limit=0", "examiner"), 400, "bad_request")
    api.error(api.client.get("/api/v1/notifications"), 401)


def test_openapi_documents_clocks_and_notifications(api):
    document = api.client.get("/api/v1/openapi.json").get_json()
    assert {"/notifications", "/notifications/{notification_id}/read", "/notifications/read"} <= set(document["paths"])
    assert "clock" in document["components"]["schemas"]["Task"]["properties"]
