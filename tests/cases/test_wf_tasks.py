"""Tasks: a state change closes the open tasks and opens the next state's, assigned to the team member
of the role (supervisor tasks stay unassigned for the whole centre); the inbox scopes."""
from __future__ import annotations

import datetime as dt

from workflow.cases import states
from workflow.core.clocks import end_of_working_day
from workflow.core.extensions import db
from workflow.core.models import Task, utcnow
from workflow.demo import drive
from workflow.inbox.tasks import inbox


def _task_state(case):
    db.session.expire_all()
    return [(t.id, t.state, t.role, t.assignee_id, t.closed_at, t.closed_by_id) for t in case.own_tasks]


def test_each_state_change_closes_and_opens_tasks(kit, users):
    case = kit.make_case("referred")
    [task] = kit.open_tasks(case)
    assert (task.state, task.role, task.assignee_id) == ("referred", "intake_officer", users["intake_officer"].id)
    assert task.due_at - task.opened_at == dt.timedelta(hours=24)
    kit.drive_until(case, "register")
    kit.fire("intake_officer", case, "register")
    db.session.refresh(task)
    assert task.closed_at is not None and task.closed_by_id == users["intake_officer"].id
    [task] = kit.open_tasks(case)
    assert (task.state, task.role, task.assignee_id) == ("registered", "examiner", users["examiner"].id)

    # Along the whole path: exactly the entered state's tasks are open, assigned to the team member.
    for state in ("forensic_exam", "joint_interview", "psych_intervention", "aid_review", "follow_up",
                  "closure_review"):
        drive(case, state, users)
        open_ = kit.open_tasks(case)
        specs = states.STATE_BY_NAME[state].tasks
        assert [(t.state, t.role) for t in open_] == [(state, s.role) for s in specs]
        for t in open_:
            expected = None if t.role == "supervisor" else case.member(t.role).id
            assert t.assignee_id == expected
    assert all(t.closed_at is not None for t in case.tasks if t.state != "closure_review")
    kit.fire("supervisor", case, "approve_closure")
    assert kit.open_tasks(case) == []  # closed is terminal: nothing to do


def test_interview_clock_runs_from_entering_the_exam(kit):
    case = kit.make_case("joint_interview")
    [task] = kit.open_tasks(case)
    entered = next(e.created_at for e in kit.events(case) if e.to_state == "forensic_exam")
    assert task.started_at == entered
    assert task.due_at == end_of_working_day(entered, 3)


def test_supervisor_tasks_are_unassigned_and_in_every_centre_supervisors_inbox(kit, users):
    case = kit.make_case("closure_review")
    [task] = kit.open_tasks(case)
    assert (task.role, task.assignee_id) == ("supervisor", None)
    assert task in inbox(users["supervisor"], "mine")
    assert task not in inbox(users["other_supervisor"], "mine")
    assert task not in inbox(users["other_supervisor"], "centre")
    assert task not in inbox(users["social_worker"], "mine")
    assert task in inbox(users["social_worker"], "team")


def test_internal_triggers_do_not_touch_tasks(kit):
    case = kit.make_case("forensic_exam")
    before = _task_state(case)
    for trigger in ("record_exam", "add_sample", "transfer_custody"):
        kit.fire("examiner", case, trigger)
    kit.fire("psychologist", case, "record_crisis_support")
    kit.fire("case_prosecutor", case, "flag_aid")
    assert _task_state(case) == before


def test_reassigning_a_team_member_moves_the_open_task(kit, users):
    case = kit.make_case("registered", child_name="王乐乐", sex="M")
    [task] = kit.open_tasks(case)
    assert task in inbox(users["examiner"], "mine")
    kit.fire("supervisor", case, "assign_member", {"role": "examiner", "user_id": users["examiner_m"].id})
    db.session.refresh(task)
    assert task.assignee_id == users["examiner_m"].id and task.closed_at is None
    assert task in inbox(users["examiner_m"], "mine")
    assert task not in inbox(users["examiner"], "mine")
    # Closed tasks keep who had them.
    closed = [t for t in case.tasks if t.closed_at is not None]
    assert closed and all(t.assignee_id != users["examiner_m"].id for t in closed)
    # The next state's task goes to the new member.
    kit.fire("examiner_m", case, "start_exam")
    [task] = kit.open_tasks(case)
    assert task.assignee_id == users["examiner_m"].id


def test_inbox_scopes(kit, users):
    case = kit.make_case("registered")
    [task] = kit.open_tasks(case)
    other = kit.make_case("referred")  # only its creator is on the team
    [other_task] = kit.open_tasks(other)

    assert inbox(users["examiner"], "mine") == [task]
    assert inbox(users["interviewer"], "mine") == []
    assert inbox(users["interviewer"], "team") == [task]
    assert inbox(users["examiner"], "team") == []  # mine is not repeated under team
    assert inbox(users["intake_officer"], "mine") == [other_task]
    assert inbox(users["intake_officer"], "team") == [task]
    assert inbox(users["other_examiner"], "mine") == inbox(users["other_examiner"], "team") == []
    assert inbox(users["auditor"], "team") == []

    assert set(inbox(users["supervisor"], "centre")) == {task, other_task}
    assert inbox(users["other_supervisor"], "centre") == []
    assert inbox(users["examiner"], "centre") == []

    for user in users.values():
        assert inbox(user, "overdue") == []
    task.due_at = utcnow() - dt.timedelta(hours=1)
    db.session.commit()
    assert inbox(users["examiner"], "overdue") == [task]
    assert inbox(users["interviewer"], "overdue") == [task]  # team members see it too
    assert inbox(users["other_examiner"], "overdue") == []
    assert inbox(users["aid_officer"], "overdue") == []

    # Most urgent first.
    assert inbox(users["supervisor"], "centre") == [task, other_task]


def test_closed_tasks_leave_the_inbox(kit, users):
    case = kit.make_case("registered")
    [task] = kit.open_tasks(case)
    kit.fire("examiner", case, "start_exam")
    assert task not in inbox(users["examiner"], "mine")
    [new] = inbox(users["examiner"], "mine")
    assert new.state == "forensic_exam"
    assert db.session.get(Task, task.id).closed_by_id == users["examiner"].id
