"""Clocks of a case's tasks through the engine: a suspension pauses them (resume moves every open
task's due time on by the paused span), a supervisor extends one, clock settings apply to tasks
opened afterwards, and a clock starts on its start event.

Time is frozen with time_machine so that spans and due times are exact. The case is made at
T0 = Monday 2026-10-12 10:00 in Beijing (02:00 UTC); its `registered` task (the examiner's) has a
24-hour clock, so it is due at 02:00 UTC on Tuesday.
"""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from workflow.core import settings
from workflow.core.clocks import clock_of, end_of_day, end_of_working_day
from workflow.core.extensions import db
from workflow.core.models import Event, Task
from workflow.demo import drive
from workflow.inbox import escalation
from workflow.inbox.models import Notification

UTC = dt.timezone.utc
N0 = dt.datetime(2026, 10, 12, 2, 0)  # stored (naive UTC) time of T0
DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)
REASON = "鉴定机构排期已满，经主管同意延长。"


def at(moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time as time_machine takes it."""
    return moment.replace(tzinfo=UTC)


class FrozenClock:
    def __init__(self, traveller) -> None:
        self._traveller = traveller

    def move_to(self, moment: dt.datetime) -> None:
        """Jump to a stored (naive UTC) time; the clock stays frozen there."""
        self._traveller.move_to(at(moment))


@pytest.fixture
def clock(kit):
    """Time frozen at T0 for the whole test (cases are made inside)."""
    with time_machine.travel(at(N0), tick=False) as traveller:
        yield FrozenClock(traveller)


def open_tasks(case) -> list[Task]:
    """Every open task of the case, its aid applications' included."""
    db.session.expire_all()
    return [t for t in case.tasks if t.is_open]


def registered_case(kit):
    case = kit.make_case("registered")
    [task] = kit.open_tasks(case)
    assert (task.state, task.role, task.due_at) == ("registered", "examiner", N0 + 24 * HOUR)
    return case, task


def with_aid_application(kit, case) -> Task:
    """Flag the case for aid: the application's first task (5 working days to take it in)."""
    kit.fire("case_prosecutor", case, "flag_aid")
    [aid_task] = [t for t in open_tasks(case) if t.aid_application_id is not None]
    assert aid_task.state == "flagged"
    assert aid_task.due_at == dt.datetime(2026, 10, 19, 15, 59, 59)  # Tue 13 .. Mon 19, end of day in Beijing
    return aid_task


def extend(task_id, new_due, reason=REASON) -> dict:
    return {"task_id": task_id, "new_due": new_due, "reason": reason}


# --- suspension ------------------------------------------------------------------------------------

def test_a_suspension_moves_every_open_task_by_the_paused_span(kit, clock):
    case, task = registered_case(kit)
    aid_task = with_aid_application(kit, case)
    [referred] = [t for t in case.tasks if t.state == "referred"]  # closed at registration
    before = {t.id: t.due_at for t in case.tasks}
    assert {t.id for t in open_tasks(case)} == {task.id, aid_task.id}

    suspended_at = N0 + 2 * HOUR
    clock.move_to(suspended_at)
    kit.fire("supervisor", case, "suspend")
    assert case.suspended_at == suspended_at
    assert {t.id: t.due_at for t in case.tasks} == before  # suspending alone moves nothing

    span = 3 * DAY + 5 * HOUR  # across the examiner's due time (T0 + 24 h)
    clock.move_to(suspended_at + span)
    kit.fire("supervisor", case, "resume")
    db.session.expire_all()
    assert case.suspended_at is None and case.suspend_reason is None
    assert task.due_at == before[task.id] + span == dt.datetime(2026, 10, 16, 7, 0)
    assert aid_task.due_at == before[aid_task.id] + span == dt.datetime(2026, 10, 22, 20, 59, 59)
    assert task.paused_seconds == aid_task.paused_seconds == int(span.total_seconds()) == 277_200
    assert referred.due_at == before[referred.id] and referred.paused_seconds == 0  # closed: not moved
    assert task.started_at == N0  # the start stays; the pause is recorded beside it
    assert [(e.action, e.created_at) for e in kit.events(case)][-2:] == [
        ("suspend", suspended_at), ("resume", suspended_at + span)]

    # a second suspension adds up
    clock.move_to(suspended_at + span + HOUR)
    kit.fire("supervisor", case, "suspend")
    clock.move_to(suspended_at + span + 3 * HOUR)
    kit.fire("supervisor", case, "resume")
    db.session.expire_all()
    assert task.due_at == before[task.id] + span + 2 * HOUR
    assert aid_task.due_at == before[aid_task.id] + span + 2 * HOUR
    assert task.paused_seconds == aid_task.paused_seconds == 277_200 + 7_200


def test_a_paused_clock_stands_still_and_runs_again_after_resume(kit, clock):
    case, task = registered_case(kit)
    aid_task = with_aid_application(kit, case)
    [referred] = [t for t in case.tasks if t.state == "referred"]
    suspended_at = N0 + 2 * HOUR
    clock.move_to(suspended_at)
    view = clock_of(task)
    assert (view.state, view.remaining_seconds, view.paused_since, view.overdue) == ("running", 22 * 3600, None, False)

    kit.fire("supervisor", case, "suspend")
    for now in (suspended_at, suspended_at + HOUR, N0 + 30 * HOUR, N0 + 100 * DAY):  # even past the due time
        clock.move_to(now)
        view = clock_of(task)
        assert view.state == "paused" and view.overdue is False
        assert view.remaining_seconds == 22 * 3600  # frozen at the moment of suspension
        assert view.paused_since == suspended_at and view.paused_seconds == 0
        assert clock_of(task, now=now + DAY).remaining_seconds == 22 * 3600
        assert clock_of(aid_task).state == "paused"
    done = clock_of(referred)
    assert (done.state, done.remaining_seconds, done.paused_since, done.overdue) == ("done", None, None, False)

    clock.move_to(N0 + 50 * HOUR)
    kit.fire("supervisor", case, "resume")
    db.session.expire_all()
    view = clock_of(task)
    assert (view.state, view.remaining_seconds, view.paused_since) == ("running", 22 * 3600, None)
    assert view.paused_seconds == 48 * 3600 and view.due_at == N0 + 72 * HOUR and view.started_at == N0
    clock.move_to(N0 + 73 * HOUR)
    view = clock_of(task)
    assert (view.state, view.remaining_seconds, view.overdue) == ("overdue", -3600, True)
    assert clock_of(task, now=N0 + 71 * HOUR).remaining_seconds == 3600


def test_resume_resets_escalation_when_the_due_time_moves_into_the_future(kit, clock):
    case, task = registered_case(kit)
    clock.move_to(N0 + 13 * HOUR)  # half the clock gone, due within 24 hours
    assert escalation.run().due_soon == 1
    db.session.expire_all()
    assert task.due_soon_notified_at == N0 + 13 * HOUR
    clock.move_to(N0 + 14 * HOUR)
    kit.fire("supervisor", case, "suspend")
    assert escalation.run().notifications == 0  # a suspended case's clocks do not escalate

    clock.move_to(N0 + 86 * HOUR)  # 72 hours later
    kit.fire("supervisor", case, "resume")
    db.session.expire_all()
    assert task.due_at == N0 + 96 * HOUR
    assert task.due_soon_notified_at is None and task.overdue_notified_at is None and task.escalated_at is None
    # the escalation starts over for the new due time
    assert escalation.run().due_soon == 1
    notices = db.session.scalars(db.select(Notification).where(Notification.task_id == task.id)
                                 .order_by(Notification.id)).all()
    assert [(n.kind, n.task_due_at) for n in notices] == [("due_soon", N0 + 24 * HOUR), ("due_soon", N0 + 96 * HOUR)]


def test_resume_keeps_escalation_when_the_due_time_stays_in_the_past(kit, users, clock):
    case, task = registered_case(kit)
    clock.move_to(N0 + 25 * HOUR)
    assert escalation.run().overdue == 1
    clock.move_to(N0 + 49 * HOUR + dt.timedelta(minutes=1))
    assert escalation.run().escalated == 1
    db.session.expire_all()
    markers = (task.due_soon_notified_at, task.overdue_notified_at, task.escalated_at)
    assert markers == (None, N0 + 25 * HOUR, N0 + 49 * HOUR + dt.timedelta(minutes=1))
    kit.fire("supervisor", case, "suspend")

    clock.move_to(N0 + 73 * HOUR + dt.timedelta(minutes=1))  # a day later
    kit.fire("supervisor", case, "resume")
    db.session.expire_all()
    assert task.due_at == N0 + 48 * HOUR  # still overdue
    assert (task.due_soon_notified_at, task.overdue_notified_at, task.escalated_at) == markers
    report = escalation.run()
    assert (report.due_soon, report.overdue, report.escalated, report.notifications) == (0, 0, 0, 0)


# --- extension by a supervisor -------------------------------------------------------------------------

def test_supervisor_extends_a_task_to_the_end_of_a_local_day(kit, users, clock):
    case, task = registered_case(kit)
    clock.move_to(N0 + HOUR)
    version = case.version
    kit.fire("supervisor", case, "extend_clock", extend(task.id, "2026-10-20"))
    db.session.expire_all()
    assert task.due_at == end_of_day(dt.date(2026, 10, 20)) == dt.datetime(2026, 10, 20, 15, 59, 59)
    assert task.extended_at == N0 + HOUR and task.is_open and task.paused_seconds == 0
    assert (case.state, case.version) == ("registered", version + 1)
    event = kit.events(case)[-1]
    assert (event.action, event.actor_id, event.reason, event.from_state, event.to_state, event.created_at) == (
        "extend_clock", users["supervisor"].id, REASON, "registered", None, N0 + HOUR)
    assert event.changes == {"task_id": task.id, "new_due": "2026-10-20", "previous_due": (N0 + 24 * HOUR).isoformat()}
    view = clock_of(task)
    assert view.extended_at == N0 + HOUR and view.state == "running"
    assert view.remaining_seconds == int((dt.datetime(2026, 10, 20, 15, 59, 59) - (N0 + HOUR)).total_seconds())

    # not later than the current due day: refused, field new_due, nothing stored
    for day in ("2026-10-20", "2026-10-19", "2026-10-12"):
        error = kit.refused("supervisor", case, "extend_clock", extend(task.id, day))
        assert (error.status, error.code, set(error.fields)) == (422, "invalid", {"new_due"}), day
    db.session.expire_all()
    assert task.due_at == dt.datetime(2026, 10, 20, 15, 59, 59) and case.version == version + 1
    assert len([e for e in kit.events(case) if e.action == "extend_clock"]) == 1
    kit.fire("supervisor", case, "extend_clock", extend(task.id, "2026-10-21"))
    db.session.expire_all()
    assert task.due_at == dt.datetime(2026, 10, 21, 15, 59, 59)


def test_an_extension_must_end_in_the_future_in_the_centres_time_zone(kit, clock):
    case, task = registered_case(kit)  # due Tue Oct 13 02:00 UTC
    clock.move_to(dt.datetime(2026, 10, 15, 16, 30))  # 00:30 Friday Oct 16 in Beijing: overdue
    assert escalation.run().overdue == 1
    for day in ("2026-10-14", "2026-10-15"):  # later than the due time, but over (Oct 15 is "today" in UTC)
        error = kit.refused("supervisor", case, "extend_clock", extend(task.id, day))
        assert (error.status, set(error.fields)) == (422, {"new_due"}), day
    kit.fire("supervisor", case, "extend_clock", extend(task.id, "2026-10-16"))  # today in Beijing
    db.session.expire_all()
    assert task.due_at == dt.datetime(2026, 10, 16, 15, 59, 59)
    # the due time lies ahead again: the escalation steps start over
    assert task.overdue_notified_at is None and task.due_soon_notified_at is None and task.escalated_at is None


def test_an_extension_needs_an_open_task_of_the_case(kit, users, clock):
    case, task = registered_case(kit)
    other, other_task = registered_case(kit)
    [closed] = [t for t in case.tasks if t.state == "referred"]
    snapshot = kit.snapshot(case)
    for task_id in (closed.id, 999_999, other_task.id, ""):
        error = kit.refused("supervisor", case, "extend_clock", extend(task_id, "2026-10-30"))
        assert (error.status, set(error.fields)) == (422, {"task_id"}), task_id
    error = kit.refused("supervisor", case, "extend_clock", extend(task.id, ""))
    assert (error.status, set(error.fields)) == (422, {"new_due"})
    error = kit.refused("supervisor", case, "extend_clock", extend(task.id, "2026-10-30", reason=""))
    assert (error.status, set(error.fields)) == (422, {"reason"})
    assert kit.snapshot(case) == snapshot
    db.session.expire_all()
    assert (task.due_at, task.extended_at) == (N0 + 24 * HOUR, None)
    assert (other_task.due_at, other_task.extended_at) == (N0 + 24 * HOUR, None)


def test_only_the_centres_supervisor_extends(kit, users, clock):
    case, task = registered_case(kit)
    snapshot = kit.snapshot(case)
    for who in ("examiner", "intake_officer", "case_prosecutor", "psychologist"):
        error = kit.refused(who, case, "extend_clock", extend(task.id, "2026-10-30"))
        assert error.status == 403, who
    for who in ("other_supervisor", "other_examiner", "aid_officer", "admin"):
        error = kit.refused(who, case, "extend_clock", extend(task.id, "2026-10-30"))
        assert (error.status, error.code) == (404, "not_found"), who
    assert kit.snapshot(case) == snapshot
    db.session.expire_all()
    assert task.due_at == N0 + 24 * HOUR and task.extended_at is None


def test_no_extension_while_suspended(kit, clock):
    # The clocks stand still while suspended, and resuming would move a chosen day on by the pause.
    case, task = registered_case(kit)
    kit.fire("supervisor", case, "suspend")
    error = kit.refused("supervisor", case, "extend_clock", extend(task.id, "2026-10-30"))
    assert (error.status, error.code) == (409, "suspended")
    kit.fire("supervisor", case, "resume", {"reason": "恢复"})
    kit.fire("supervisor", case, "extend_clock", extend(task.id, "2026-10-30"))
    assert task.due_at == dt.datetime(2026, 10, 30, 15, 59, 59)


def test_an_extension_is_at_most_a_year(kit, clock):
    case, task = registered_case(kit)
    error = kit.refused("supervisor", case, "extend_clock", extend(task.id, "2027-10-14"))
    assert (error.status, set(error.fields)) == (422, {"new_due"})
    kit.fire("supervisor", case, "extend_clock", extend(task.id, "2027-10-12"))


def test_a_supervisor_extends_an_aid_application_task_through_the_case(kit, clock):
    case, task = registered_case(kit)
    aid_task = with_aid_application(kit, case)
    kit.fire("supervisor", case, "extend_clock", extend(aid_task.id, "2026-10-30"))
    db.session.expire_all()
    assert aid_task.due_at == dt.datetime(2026, 10, 30, 15, 59, 59) and aid_task.extended_at == N0
    assert task.due_at == N0 + 24 * HOUR and task.extended_at is None
    event = kit.events(case)[-1]
    assert event.action == "extend_clock" and event.changes["task_id"] == aid_task.id


# --- settings and start events ----------------------------------------------------------------------

def test_a_changed_clock_setting_applies_to_tasks_opened_afterwards(kit, clock):
    clock.move_to(dt.datetime(2026, 9, 30, 2, 0))  # 10:00 Wednesday Sep 30 in Beijing
    first = kit.make_case("psych_intervention")
    [before] = kit.open_tasks(first)
    assert before.due_at == dt.datetime(2026, 10, 13, 15, 59, 59)  # 5 working days: Oct 8, 9, 10, 12, 13

    settings.put("clock_assessment_days", 2)
    settings.put("clock_registration_hours", 6)
    db.session.commit()
    second = kit.make_case("psych_intervention", child_name="王乐乐", sex="M")
    [after] = kit.open_tasks(second)
    assert after.due_at == dt.datetime(2026, 10, 9, 15, 59, 59)  # 2 working days: Oct 8, 9
    db.session.expire_all()
    assert before.due_at == dt.datetime(2026, 10, 13, 15, 59, 59)  # opened before: unchanged
    third = kit.make_case("referred", child_name="陈思思")
    [registration] = kit.open_tasks(third)
    assert registration.due_at == registration.opened_at + 6 * HOUR
    [first_registration] = [t for t in first.tasks if t.state == "referred"]
    assert first_registration.due_at == first_registration.opened_at + 24 * HOUR


def test_tasks_start_on_their_clocks_start_event(kit, users, clock):
    entered = dt.datetime(2026, 9, 30, 1, 0)  # 09:00 Wednesday Sep 30 in Beijing
    clock.move_to(entered)
    case = kit.make_case("forensic_exam")
    [exam] = kit.open_tasks(case)
    # 3 working days from Sep 30: Oct 8, 9 and the make-up Saturday Oct 10
    assert exam.started_at == exam.opened_at == entered
    assert exam.due_at == end_of_working_day(entered, 3) == dt.datetime(2026, 10, 10, 15, 59, 59)

    opened = dt.datetime(2026, 10, 8, 3, 0)
    clock.move_to(opened)
    drive(case, "joint_interview", users)
    [interview] = kit.open_tasks(case)
    assert interview.state == "joint_interview"
    # one clock over two states: from entering the exam, not from opening the interview task
    assert interview.opened_at == opened and interview.started_at == entered
    assert interview.due_at == exam.due_at == dt.datetime(2026, 10, 10, 15, 59, 59)
    entering = db.session.scalar(db.select(Event.created_at).where(
        Event.case_id == case.id, Event.to_state == "forensic_exam"))
    assert entering == entered
    assert clock_of(interview).started_at == entered

    later = dt.datetime(2026, 10, 9, 4, 0)
    clock.move_to(later)
    drive(case, "psych_intervention", users)
    [assessment] = kit.open_tasks(case)
    assert assessment.started_at == assessment.opened_at == later
    assert assessment.due_at == dt.datetime(2026, 10, 15, 15, 59, 59)  # from Fri Oct 9: Sat 10, Mon 12 .. Thu 15


def test_a_pause_before_a_clock_spanning_two_states_carries_over(kit, users, clock):
    entered = dt.datetime(2026, 9, 30, 1, 0)
    clock.move_to(entered)
    case = kit.make_case("forensic_exam")
    [exam] = kit.open_tasks(case)
    clock.move_to(entered + HOUR)
    kit.fire("supervisor", case, "suspend")
    clock.move_to(entered + HOUR + 10 * DAY)
    kit.fire("supervisor", case, "resume")
    db.session.expire_all()
    assert exam.due_at == dt.datetime(2026, 10, 20, 15, 59, 59)
    drive(case, "joint_interview", users)
    [interview] = kit.open_tasks(case)
    # the exam-to-interview clock was paused for 10 days: the interview task inherits that
    assert interview.due_at == exam.due_at
    assert interview.paused_seconds == exam.paused_seconds == 10 * 86400


# --- the extension form and page ---------------------------------------------------------------------

def test_the_extension_form_offers_the_open_tasks_with_their_due_times(app, kit, clock):
    from workflow.cases import definition
    from workflow.core import process
    from workflow.core.engine import build_form

    case, task = registered_case(kit)
    aid_task = with_aid_application(kit, case)
    with app.test_request_context("/?lang=en"):
        form = build_form(definition.TRANSITION_BY_TRIGGER["extend_clock"], case)
        choices = dict(form.task_id.choices)
        titles = {t.id: process.task_title(t) for t in (task, aid_task)}
    assert list(choices) == [task.id, aid_task.id]  # not the closed registration task
    for task_id, label in choices.items():
        assert label.startswith(titles[task_id] + " · ")


def test_extending_on_the_case_page(kit, pages, clock):
    case, task = registered_case(kit)
    pages.act("supervisor", case.id, "extend_clock",
              {"task_id": str(task.id), "new_due": "2026-10-30", "reason": REASON})
    db.session.expire_all()
    assert task.due_at == dt.datetime(2026, 10, 30, 15, 59, 59) and task.extended_at == N0
    pages.act("supervisor", case.id, "extend_clock",
              {"task_id": str(task.id), "new_due": "2026-10-29", "reason": REASON}, status=422)
    pages.act("examiner", case.id, "extend_clock",
              {"task_id": str(task.id), "new_due": "2026-11-30", "reason": REASON}, status=403)
    db.session.expire_all()
    assert task.due_at == dt.datetime(2026, 10, 30, 15, 59, 59)
    # the history names the task and shows the previous due time in the centre's zone
    html = pages.html("supervisor", f"/cases/{case.id}?lang=en")
    entry = html[html.index('data-event="extend_clock"'):]
    entry = entry[:entry.index("</li>")]
    assert "Start the forensic exam" in entry and "Previous due time" in entry
    assert "10/13/26, 10:00\u202fAM" in entry  # due 02:00 UTC = 10:00 in Beijing
