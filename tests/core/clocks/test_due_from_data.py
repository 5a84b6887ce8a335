"""Tasks whose due day follows the subject's data: the social worker's follow-up task is due on the
next scheduled return visit (so a missed visit escalates), and the finance officer's disbursing task
on the next planned instalment."""
from __future__ import annotations

import datetime as dt

from workflow.core.clocks import end_of_day, local_today
from workflow.core.extensions import db
from workflow.demo import drive_aid
from workflow.inbox import escalation
from workflow.inbox.models import Notification


def follow_up_task(case):
    [task] = [t for t in case.tasks if t.is_open and t.state == "follow_up"]
    return task


def scheduled(case):
    return sorted(v.due_on for v in case.visits if v.status == "scheduled")


def test_the_follow_up_task_is_due_on_the_next_scheduled_visit(kit):
    case = kit.make_case("follow_up")
    first, second, third = scheduled(case)
    task = follow_up_task(case)
    assert task.due_at == end_of_day(first)

    kit.fire("social_worker", case, "record_visit")  # the first visit is done
    assert task.due_at == end_of_day(second)
    earlier = local_today() + dt.timedelta(days=3)
    kit.fire("social_worker", case, "add_visit", {"due_on": earlier.isoformat()})
    assert task.due_at == end_of_day(earlier)
    for visit in sorted((v for v in case.visits if v.status == "scheduled"), key=lambda v: v.due_on):
        kit.fire("social_worker", case, "cancel_visit", {"visit_id": visit.id, "reason": "家庭搬迁，改为电话回访。"})
    # no visit left: the follow-up clock (200 calendar days from entering follow-up) applies again
    assert scheduled(case) == []
    assert task.due_at == task.started_at + dt.timedelta(days=200)


def test_a_missed_visit_makes_the_task_overdue_and_escalates(kit, users):
    case = kit.make_case("follow_up")
    first = scheduled(case)[0]
    task = follow_up_task(case)
    missed = end_of_day(first) + dt.timedelta(hours=1)
    report = escalation.run(now=missed)
    assert report.overdue == 1
    assert [(n.user_id, n.kind) for n in db.session.scalars(db.select(Notification))] == [
        (users["social_worker"].id, "overdue")]
    report = escalation.run(now=missed + dt.timedelta(hours=25))
    assert report.escalated == 1
    told = {(n.user_id, n.kind) for n in db.session.scalars(db.select(Notification))}
    assert (users["supervisor"].id, "escalated") in told and (users["other_supervisor"].id, "escalated") not in told
    # recording the missed visit moves the task on to the next visit: the reminders start over
    kit.fire("social_worker", case, "record_visit")
    db.session.refresh(task)
    assert task.due_at == end_of_day(scheduled(case)[0]) and task.overdue_notified_at is None


def test_the_disbursing_task_is_due_on_the_next_planned_instalment(kit, users):
    case = kit.make_case("aid_review")
    kit.fire("case_prosecutor", case, "flag_aid")
    application = case.aid_applications[-1]
    drive_aid(application, "disbursing", users)  # first instalment (today) paid, second in 30 days
    [task] = [t for t in application.tasks if t.is_open and t.state == "disbursing"]
    assert task.due_at == end_of_day(local_today() + dt.timedelta(days=30))
    assert [row["amount_fen"] for row in application.instalments] == [1_500_000, 1_000_000]
    kit.fire("finance_officer", application, "record_payment",
             {"amount_fen": 400_000, "on_date": local_today().isoformat(), "method": "bank_transfer",
              "reference": "ZF-part"})
    # a part payment of the second instalment leaves it due on its planned day
    assert application.state == "disbursing"
    assert task.due_at == end_of_day(local_today() + dt.timedelta(days=30))
