"""Follow-up: the visit schedule generated on entering follow_up, closure review, reopening."""
from __future__ import annotations

from workflow.core import settings
from workflow.core.clocks import add_months, local_today
from workflow.core.extensions import db


def test_entering_follow_up_schedules_visits_at_1_3_6_months(kit):
    case = kit.prepare("decline_aid")
    kit.fire("case_prosecutor", case, "decline_aid")
    assert case.state == "follow_up"
    today = local_today()  # the centre's date, as the schedule counts it
    assert [v.due_on for v in case.visits] == [add_months(today, m) for m in (1, 3, 6)]
    assert all(v.status == "scheduled" for v in case.visits)
    [task] = kit.open_tasks(case)
    assert (task.role, task.assignee_id) == ("social_worker", case.member("social_worker").id)


def test_the_schedule_follows_the_setting(kit):
    settings.put("visit_schedule_months", [2, 12])
    db.session.commit()
    case = kit.prepare("conclude_aid")  # also via the automatic path
    kit.fire(None, case, "conclude_aid")
    today = local_today()  # the centre's date, as the schedule counts it
    assert [v.due_on for v in case.visits] == [add_months(today, 2), add_months(today, 12)]
    settings.put("visit_schedule_months", [1])
    db.session.commit()
    assert settings.get("visit_schedule_months") == [1]


def test_extra_visits_join_the_schedule(kit):
    case = kit.make_case("follow_up")
    kit.fire("case_prosecutor", case, "add_visit")
    assert len(case.visits) == 4 and sum(v.status == "scheduled" for v in case.visits) == 4


def test_reject_closure_returns_to_follow_up_without_new_visits(kit, users):
    case = kit.make_case("closure_review")
    visits = [(v.id, v.status, v.due_on) for v in case.visits]
    assert [s for _, s, _ in visits] == ["done"] * 3
    kit.fire("supervisor", case, "reject_closure")
    assert case.state == "follow_up"
    db.session.expire_all()
    assert [(v.id, v.status, v.due_on) for v in case.visits] == visits
    assert kit.events(case)[-1].reason == kit.DATA["reject_closure"](case, users)["reason"]
    [task] = kit.open_tasks(case)
    assert (task.state, task.role) == ("follow_up", "social_worker")
    # The social worker schedules what is still needed and asks again.
    kit.fire("social_worker", case, "add_visit")
    kit.fire("social_worker", case, "record_visit")
    kit.fire("social_worker", case, "request_closure")
    kit.fire("supervisor", case, "approve_closure")
    assert case.state == "closed"


def test_reopen_a_closed_case(kit, users):
    case = kit.make_case("closed")
    assert kit.open_tasks(case) == []
    visits = len(case.visits)
    kit.fire("supervisor", case, "reopen")
    assert case.state == "follow_up"
    assert len(case.visits) == visits  # the schedule is generated once
    [task] = kit.open_tasks(case)
    assert task.assignee_id == users["social_worker"].id
    event = kit.events(case)[-1]
    assert (event.from_state, event.to_state, event.reason) == ("closed", "follow_up",
                                                                "儿童出现创伤后应激反应，重新启动回访。")
    # Nothing scheduled is open, so closure can be requested straight away or after a new visit.
    kit.fire("social_worker", case, "add_visit")
    error = kit.refused("social_worker", case, "request_closure")
    assert (error.status, error.code) == (422, "guard_failed")
