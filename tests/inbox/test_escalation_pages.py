"""What escalation shows in the app: the bell and its unread count, the notifications page (open one,
mark all read, nobody else's), the inbox's overdue view and the clocks of the case page's tasks."""
from __future__ import annotations

import re

from escalation_helpers import HOUR, MINUTE, notices
from flask import current_app
from flask_babel import force_locale

from workflow.core import process
from workflow.core.extensions import db
from workflow.inbox import escalation
from workflow.inbox.models import Notification


def bell(html: str) -> int | None:
    """The unread count on the bell, or None when the bell shows no count."""
    assert "data-bell" in html
    match = re.search(r"data-unread-count>(\d+)", html)
    return int(match.group(1)) if match else None


def listed(html: str) -> list[tuple[int, str, str]]:
    """(id, kind, unread) of the notifications page's rows, in page order."""
    return [(int(i), kind, unread) for i, kind, unread in
            re.findall(r'data-notification="(\d+)" data-kind="(\w+)" data-unread="(\w+)"', html)]


def row(html: str, task_id: int) -> str | None:
    """The table row of a task (inbox or case page), or None."""
    match = re.search(rf'<tr data-task="{task_id}"[^>]*>.*?</tr>', html, re.S)
    return match.group(0) if match else None


def title(task) -> str:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return process.task_title(task)


def registered_task(kit, **overrides):
    case = kit.make_case("registered", **overrides)
    [task] = kit.open_tasks(case)
    return case, task


def test_the_bell_counts_unread_notices_and_opening_one_marks_it_read(pages, kit, clock):
    case, task = registered_task(kit)
    escalation.run(now=task.due_at - 11 * HOUR)
    escalation.run(now=task.due_at + HOUR)
    clock.move_to(task.due_at + HOUR)  # the pages' "now" (before anybody logs in)
    due_soon, overdue = notices()
    assert (due_soon.kind, overdue.kind) == ("due_soon", "overdue")

    assert bell(pages.html("examiner", "/")) == 2
    assert bell(pages.html("supervisor", "/")) is None  # not escalated yet: nothing for the supervisor
    page = pages.html("examiner", "/notifications")
    assert listed(page) == [(overdue.id, "overdue", "yes"), (due_soon.id, "due_soon", "yes")]  # newest first
    assert case.number in page and title(task) in page and "data-read-all" in page
    assert listed(pages.html("supervisor", "/notifications")) == []

    response = pages.as_("examiner").post(f"/notifications/{overdue.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}#tasks")
    db.session.expire_all()
    assert db.session.get(Notification, overdue.id).read_at == task.due_at + HOUR
    assert db.session.get(Notification, due_soon.id).read_at is None
    assert bell(pages.html("examiner", f"/cases/{case.id}")) == 1
    assert listed(pages.html("examiner", "/notifications")) == [(overdue.id, "overdue", "no"),
                                                                  (due_soon.id, "due_soon", "yes")]
    # Opening a read one again still leads to the case.
    again = pages.as_("examiner").post(f"/notifications/{overdue.id}/open")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/cases/{case.id}#tasks")


def test_mark_all_read(pages, kit, clock):
    case, task = registered_task(kit)
    other, other_task = registered_task(kit, child_name="王小明")
    escalation.run(now=task.due_at + HOUR)
    escalation.run(now=task.due_at + 25 * HOUR)
    clock.move_to(task.due_at + 25 * HOUR)
    assert bell(pages.html("examiner", "/")) == 2
    assert bell(pages.html("supervisor", "/")) == 2

    response = pages.as_("examiner").post("/notifications/read")
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")
    page = pages.html("examiner", "/notifications")
    assert bell(page) is None
    assert [unread for _id, _kind, unread in listed(page)] == ["no", "no"]
    assert "data-read-all" not in page
    # The supervisor's own notices are untouched.
    assert bell(pages.html("supervisor", "/")) == 2
    assert all(n.read_at is None for n in notices(kind="escalated"))
    assert all(n.read_at is not None for n in notices(kind="overdue"))


def test_another_users_notification_is_not_found(pages, kit, clock):
    case, task = registered_task(kit)
    escalation.run(now=task.due_at + HOUR)
    clock.move_to(task.due_at + HOUR)
    [notice] = notices()
    for username in ("supervisor", "other_examiner", "intake_officer"):
        assert pages.as_(username).post(f"/notifications/{notice.id}/open").status_code == 404
    assert pages.as_("examiner").post("/notifications/999999/open").status_code == 404
    assert pages.anonymous().post(f"/notifications/{notice.id}/open").status_code == 302  # to the login page
    db.session.expire_all()
    assert db.session.get(Notification, notice.id).read_at is None
    assert bell(pages.html("examiner", "/")) == 1


def test_an_aid_notice_opens_the_aid_application(pages, kit, clock):
    case, _task = registered_task(kit)
    kit.fire("case_prosecutor", case, "flag_aid")
    db.session.expire_all()
    [aid_task] = [t for t in case.tasks if t.aid_application_id is not None and t.is_open]
    escalation.run(now=aid_task.due_at + HOUR)
    clock.move_to(aid_task.due_at + HOUR)
    [notice] = [n for n in notices(aid_task) if n.user.username == "aid_officer"]  # one of the officers sharing it

    page = pages.html("aid_officer", "/notifications")
    assert aid_task.aid_application.number in page
    response = pages.as_("aid_officer").post(f"/notifications/{notice.id}/open")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.endswith(f"/aid/{aid_task.aid_application_id}#tasks")
    aid_page = pages.html("aid_officer", location.split("#")[0])
    assert 'data-clock-state="overdue"' in row(aid_page, aid_task.id)


def test_the_overdue_inbox_lists_late_tasks_but_not_a_suspended_cases(pages, kit, clock):
    case, task = registered_task(kit)
    paused, paused_task = registered_task(kit, child_name="王小明")
    clock.move_to(task.due_at + 30 * MINUTE)  # both late; one case is suspended
    kit.fire("supervisor", paused, "suspend")
    clock.move_to(task.due_at + HOUR)
    report = escalation.run()
    assert (report.overdue, report.notifications) == (1, 1)
    assert [n.task_id for n in notices()] == [task.id]

    overdue_page = pages.html("examiner", "/?scope=overdue")
    late = row(overdue_page, task.id)
    assert late is not None and 'class="table-danger"' in late and 'data-clock="overdue"' in late
    assert row(overdue_page, paused_task.id) is None
    assert re.search(r'data-scope="overdue">\s*\S+ <span class="badge text-bg-danger">1</span>', overdue_page)

    # "My tasks" still has the suspended case's task, paused, not overdue.
    mine = pages.html("examiner", "/?scope=mine")
    waiting = row(mine, paused_task.id)
    assert waiting is not None and 'data-clock="paused"' in waiting and "table-danger" not in waiting
    assert 'data-clock="overdue"' in row(mine, task.id)

    # The supervisor's overdue view covers the centre (the same one task); the other centre's, nothing.
    supervisor_view = pages.html("supervisor", "/?scope=overdue")
    assert row(supervisor_view, task.id) is not None and row(supervisor_view, paused_task.id) is None
    assert row(pages.html("other_supervisor", "/?scope=overdue"), task.id) is None


def test_the_case_page_shows_each_tasks_clock_state(pages, kit, clock):
    case, task = registered_task(kit)
    paused, paused_task = registered_task(kit, child_name="王小明")
    clock.move_to(task.due_at - HOUR)
    kit.fire("supervisor", paused, "suspend")
    clock.move_to(task.due_at + HOUR)
    escalation.run()

    page = pages.html("examiner", f"/cases/{case.id}")
    assert 'data-clock-state="overdue"' in row(page, task.id)
    assert 'data-open="yes"' in row(page, task.id)
    [registration] = [t for t in case.tasks if t.state == "referred"]
    assert 'data-clock-state="done"' in row(page, registration.id)

    paused_page = pages.html("examiner", f"/cases/{paused.id}")
    assert 'data-clock-state="paused"' in row(paused_page, paused_task.id)
    assert 'data-clock-state="overdue"' not in paused_page
