"""The escalation job step by step: who is told what and when, and that runs are idempotent.

Runs are driven with explicit `escalation.run(now=...)` times computed from a task's due time; the
engine's own clock (opening tasks, suspending, resuming, extending) is frozen by the autouse `clock`
fixture and moved with `clock.move_to`. Every test gives the staff e-mail addresses and checks
what a real local SMTP server received, not only the notification rows.
"""
from __future__ import annotations

import datetime as dt
import threading

from escalation_helpers import DAY, HOUR, MINUTE, N0, address, notices, told
from flask import current_app
from flask_babel import force_locale

from workflow.admin.users import create_user
from workflow.core import settings
from workflow.core.clocks import end_of_day
from workflow.core.extensions import db
from workflow.core.models import Task
from workflow.inbox import escalation
from workflow.inbox.labels import NOTIFICATION_LABELS
from workflow.inbox.models import Notification


def soon() -> dt.timedelta:
    return HOUR * int(settings.get("escalation_due_soon_hours"))


def after() -> dt.timedelta:
    return HOUR * int(settings.get("escalation_supervisor_after_hours"))


def registered_task(kit, **overrides) -> tuple:
    """A registered case and its one open task: the examiner's, on a 24-hour clock started at N0."""
    case = kit.make_case("registered", **overrides)
    [task] = kit.open_tasks(case)
    assert (task.role, task.assignee_id) == ("examiner", kit.users["examiner"].id)
    assert (task.started_at, task.due_at) == (N0, N0 + 24 * HOUR)
    return case, task


def counts(report) -> tuple[int, int, int, int]:
    return report.due_soon, report.overdue, report.escalated, report.notifications


def label(kind: str) -> str:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(NOTIFICATION_LABELS[kind])


def new_staff(users, username: str, roles: list[str], like: str, *, email: bool = True, **extra):
    """Another user of the agency of `users[like]`."""
    return create_user(username=username, password="password-123", full_name=f"{username} 测试", sex="F",
                       roles=roles, agency=users[like].agency, email=address(username) if email else None, **extra)


# --- the order of the steps ------------------------------------------------------------------------

def test_reminder_then_overdue_then_the_centres_supervisors(kit, users, addresses, smtp):
    case, task = registered_task(kit)
    due = task.due_at
    assert (soon(), after()) == (24 * HOUR, 24 * HOUR)  # the defaults

    # Six hours in: the due time is within the reminder window, but not half the clock has gone.
    assert due - (N0 + 6 * HOUR) <= soon()
    assert counts(escalation.run(now=N0 + 6 * HOUR)) == (0, 0, 0, 0)
    assert counts(escalation.run(now=N0 + 12 * HOUR - MINUTE)) == (0, 0, 0, 0)
    assert told() == [] and smtp.received == []

    # Half the clock gone and due within 24 hours: the assignee only is reminded.
    report = escalation.run(now=N0 + 12 * HOUR)
    assert counts(report) == (1, 0, 0, 1) and (report.emailed, report.email_failures) == (1, 0)
    assert told() == [("due_soon", "examiner")]
    assert smtp.recipients() == [(addresses["examiner"],)]

    # Not yet due: nothing more.
    assert counts(escalation.run(now=due - MINUTE)) == (0, 0, 0, 0)

    # Overdue: the assignee is told, the supervisor not yet.
    assert counts(escalation.run(now=due + HOUR)) == (0, 1, 0, 1)
    assert told() == [("due_soon", "examiner"), ("overdue", "examiner")]

    # `escalation_supervisor_after_hours` after the overdue notice: the centre's supervisors.
    assert counts(escalation.run(now=due + HOUR + after() - MINUTE)) == (0, 0, 0, 0)
    assert counts(escalation.run(now=due + HOUR + after())) == (0, 0, 1, 1)
    assert told() == [("due_soon", "examiner"), ("overdue", "examiner"), ("escalated", "supervisor")]

    rows = notices()
    assert [(n.task_id, n.task_due_at) for n in rows] == [(task.id, due)] * 3
    assert [n.created_at for n in rows] == [N0 + 12 * HOUR, due + HOUR, due + HOUR + after()]
    assert [n.emailed_at for n in rows] == [n.created_at for n in rows]
    db.session.expire_all()
    assert (task.due_soon_notified_at, task.overdue_notified_at, task.escalated_at) == (
        N0 + 12 * HOUR, due + HOUR, due + HOUR + after())

    # The e-mails arrived in that order, each to its one recipient.
    assert smtp.recipients() == [(addresses["examiner"],), (addresses["examiner"],), (addresses["supervisor"],)]
    assert [m.message["To"] for m in smtp.received] == [addresses["examiner"], addresses["examiner"],
                                                        addresses["supervisor"]]
    for mail, kind in zip(smtp.received, ("due_soon", "overdue", "escalated")):
        assert label(kind) in mail.subject and case.number in mail.subject
    # The other centre's supervisor is never told.
    assert all(n.user_id != users["other_supervisor"].id for n in notices())
    assert all(addresses["other_supervisor"] not in m.rcpt_tos for m in smtp.received)


def test_a_first_run_after_the_due_time_skips_the_reminder(kit, addresses, smtp):
    case, task = registered_task(kit)
    assert counts(escalation.run(now=task.due_at + 3 * DAY)) == (0, 1, 0, 1)
    assert told() == [("overdue", "examiner")]
    assert counts(escalation.run(now=task.due_at + 4 * DAY)) == (0, 0, 1, 1)
    assert told() == [("overdue", "examiner"), ("escalated", "supervisor")]
    assert smtp.recipients() == [(addresses["examiner"],), (addresses["supervisor"],)]


def test_the_escalation_settings_are_honoured(kit, addresses, smtp):
    settings.put("escalation_due_soon_hours", 6)
    settings.put("escalation_supervisor_after_hours", 2)
    db.session.commit()
    case, task = registered_task(kit)
    due = task.due_at
    assert counts(escalation.run(now=due - 7 * HOUR)) == (0, 0, 0, 0)  # half gone, but 7 hours left
    assert counts(escalation.run(now=due - 6 * HOUR)) == (1, 0, 0, 1)
    assert counts(escalation.run(now=due)) == (0, 1, 0, 1)  # due now: overdue
    assert counts(escalation.run(now=due + 2 * HOUR - MINUTE)) == (0, 0, 0, 0)
    assert counts(escalation.run(now=due + 2 * HOUR)) == (0, 0, 1, 1)
    assert told() == [("due_soon", "examiner"), ("overdue", "examiner"), ("escalated", "supervisor")]
    assert len(smtp.received) == 3


# --- idempotency -----------------------------------------------------------------------------------

def test_runs_at_the_same_or_a_later_time_notify_nothing_twice(kit, addresses, smtp):
    case, task = registered_task(kit)
    due = task.due_at
    expected = []
    for moment, kind, who in ((due - 11 * HOUR, "due_soon", "examiner"), (due + HOUR, "overdue", "examiner"),
                              (due + HOUR + after(), "escalated", "supervisor")):
        first = escalation.run(now=moment)
        assert (first.notifications, first.emailed) == (1, 1)
        expected.append((kind, who))
        for again in (moment, moment, moment + MINUTE, moment + HOUR):
            report = escalation.run(now=again)
            assert counts(report) == (0, 0, 0, 0) and (report.emailed, report.email_failures) == (0, 0)
        assert told() == expected
        assert len(smtp.received) == len(expected)
    # Long after, still nothing new.
    assert counts(escalation.run(now=due + 90 * DAY)) == (0, 0, 0, 0)
    assert told() == expected and len(smtp.received) == 3


def test_two_runs_at_once_notify_once(kit, addresses, smtp):
    case, task = registered_task(kit)
    other, other_task = registered_task(kit, child_name="王小明")
    moment = task.due_at + HOUR
    first, second = escalation.run(now=moment), escalation.run(now=moment)
    assert counts(first) == (0, 2, 0, 2) and first.emailed == 2
    assert counts(second) == (0, 0, 0, 0) and second.emailed == 0
    assert sorted((n.task_id, n.kind, n.user.username) for n in notices()) == [
        (task.id, "overdue", "examiner"), (other_task.id, "overdue", "examiner")]
    assert smtp.recipients() == [(addresses["examiner"],)] * 2


def test_runs_in_two_threads_at_once_notify_and_email_once(app, kit, addresses, smtp):
    """Two runs really at the same time (own app contexts and sessions, as two workers): each task is
    claimed by one of them, each notification e-mailed by one of them."""
    cases = [kit.make_case("registered", child_name=name) for name in ("王小一", "王小二", "王小三")]
    tasks = [kit.open_tasks(case)[0] for case in cases]
    moment = tasks[0].due_at + HOUR
    db.session.commit()
    start = threading.Barrier(2)
    reports, errors = [], []

    def work():
        with app.app_context():
            try:
                start.wait(timeout=30)
                reports.append(escalation.run(now=moment))
            except Exception as exc:  # reported below, in the test's thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(reports) == 2
    assert sum(r.overdue for r in reports) == sum(r.notifications for r in reports) == 3
    assert sum(r.emailed for r in reports) == 3 and sum(r.email_failures for r in reports) == 0
    assert sorted(n.task_id for n in notices()) == sorted(t.id for t in tasks)
    assert smtp.recipients() == [(addresses["examiner"],)] * 3
    assert all(n.email_attempts == 1 for n in notices())


def test_the_notifications_unique_key_backs_up_the_markers(kit, addresses, smtp):
    """Should a step's marker be lost (another run's transaction, a restored backup), the
    notification of the same user, task, kind and due time is not made twice."""
    case, task = registered_task(kit)
    moment = task.due_at + HOUR
    assert escalation.run(now=moment).notifications == 1
    db.session.execute(db.update(Task).where(Task.id == task.id).values(overdue_notified_at=None))
    db.session.commit()
    report = escalation.run(now=moment + HOUR)
    assert (report.overdue, report.notifications, report.emailed) == (1, 0, 0)
    assert told() == [("overdue", "examiner")] and len(smtp.received) == 1


# --- cases whose clocks do not run -----------------------------------------------------------------

def test_a_withdrawn_case_is_never_notified(kit, addresses, smtp):
    case, task = registered_task(kit)
    due = task.due_at
    assert escalation.run(now=due - 11 * HOUR).due_soon == 1
    kit.fire("supervisor", case, "withdraw")
    assert case.state == "withdrawn"
    for moment in (due + HOUR, due + HOUR + after(), due + 365 * DAY):
        assert counts(escalation.run(now=moment)) == (0, 0, 0, 0)
    assert told() == [("due_soon", "examiner")] and len(smtp.received) == 1


def test_a_closed_case_is_never_notified(kit, addresses, smtp):
    case = kit.make_case("closure_review")
    [task] = kit.open_tasks(case)
    kit.fire("supervisor", case, "approve_closure")
    assert case.state == "closed"
    closed = kit.make_case("closed", child_name="王小明")
    assert kit.open_tasks(closed) == []
    for moment in (task.due_at + HOUR, task.due_at + 3 * DAY, N0 + 365 * DAY, N0 + 3 * 365 * DAY):
        assert counts(escalation.run(now=moment)) == (0, 0, 0, 0)
    assert notices() == [] and smtp.received == []


def test_a_suspended_case_waits_and_resumes_from_its_new_due_time(kit, clock, addresses, smtp):
    case, task = registered_task(kit)
    due = task.due_at
    suspended = N0 + 2 * HOUR  # two of the clock's 24 hours have run
    clock.move_to(suspended)
    kit.fire("supervisor", case, "suspend")
    for moment in (due - 11 * HOUR, due + HOUR, due + HOUR + after(), N0 + 5 * DAY - MINUTE):
        assert counts(escalation.run(now=moment)) == (0, 0, 0, 0), moment
    assert notices() == [] and smtp.received == []

    resumed = N0 + 5 * DAY
    clock.move_to(resumed)
    kit.fire("supervisor", case, "resume")
    new_due = due + (resumed - suspended)
    db.session.expire_all()
    assert (task.due_at, task.paused_seconds) == (new_due, int((resumed - suspended).total_seconds()))
    # 22 running hours are left: within the reminder window, but only 2 of 24 hours have run.
    assert new_due - resumed == 22 * HOUR
    assert counts(escalation.run(now=resumed)) == (0, 0, 0, 0)
    assert counts(escalation.run(now=resumed + 10 * HOUR - MINUTE)) == (0, 0, 0, 0)
    assert counts(escalation.run(now=resumed + 10 * HOUR)) == (1, 0, 0, 1)  # 12 of 24 hours have run
    assert counts(escalation.run(now=new_due - MINUTE)) == (0, 0, 0, 0)
    assert counts(escalation.run(now=new_due + HOUR)) == (0, 1, 0, 1)
    assert counts(escalation.run(now=new_due + HOUR + after())) == (0, 0, 1, 1)
    assert [(n.kind, n.user.username, n.task_due_at) for n in notices()] == [
        ("due_soon", "examiner", new_due), ("overdue", "examiner", new_due), ("escalated", "supervisor", new_due)]
    assert smtp.recipients() == [(addresses["examiner"],), (addresses["examiner"],), (addresses["supervisor"],)]


def test_an_overdue_task_of_a_resumed_case_escalates_after_running_time(kit, clock, addresses, smtp):
    """Suspended while overdue: the time the case stood still does not count towards the
    supervisors' escalation either; it comes `escalation_supervisor_after_hours` of running time
    after the (moved) due time."""
    case, task = registered_task(kit)
    due = task.due_at
    assert counts(escalation.run(now=due + HOUR)) == (0, 1, 0, 1)
    suspended = due + 2 * HOUR
    clock.move_to(suspended)
    kit.fire("supervisor", case, "suspend")
    assert counts(escalation.run(now=due + HOUR + after())) == (0, 0, 0, 0)  # nothing while suspended

    resumed = suspended + 3 * DAY
    clock.move_to(resumed)
    kit.fire("supervisor", case, "resume")
    new_due = due + 3 * DAY
    db.session.expire_all()
    assert task.due_at == new_due and task.overdue_notified_at == due + HOUR  # still overdue: no new notice
    assert counts(escalation.run(now=resumed)) == (0, 0, 0, 0)  # two running hours overdue
    assert counts(escalation.run(now=new_due + after() - MINUTE)) == (0, 0, 0, 0)
    assert counts(escalation.run(now=new_due + after())) == (0, 0, 1, 1)
    assert told() == [("overdue", "examiner"), ("escalated", "supervisor")]
    assert smtp.recipients() == [(addresses["examiner"],), (addresses["supervisor"],)]


def test_an_extended_clock_starts_the_reminders_over(kit, clock, addresses, smtp):
    case, task = registered_task(kit)
    due = task.due_at
    assert counts(escalation.run(now=due - 11 * HOUR)) == (1, 0, 0, 1)
    assert counts(escalation.run(now=due + HOUR)) == (0, 1, 0, 1)

    clock.move_to(due + 2 * HOUR)
    kit.fire("supervisor", case, "extend_clock", {"task_id": task.id, "new_due": "2026-10-16",
                                                  "reason": "鉴定机构排期已满，经主管同意延长。"})
    new_due = end_of_day(dt.date(2026, 10, 16))
    db.session.expire_all()
    assert task.due_at == new_due == dt.datetime(2026, 10, 16, 15, 59, 59)
    assert (task.due_soon_notified_at, task.overdue_notified_at, task.escalated_at) == (None, None, None)

    # The old due time no longer escalates: not at the time it would have, nor later.
    assert counts(escalation.run(now=due + 2 * HOUR)) == (0, 0, 0, 0)
    assert counts(escalation.run(now=due + HOUR + after())) == (0, 0, 0, 0)
    # Reminder, overdue and escalation for the new due time.
    assert counts(escalation.run(now=new_due - 11 * HOUR)) == (1, 0, 0, 1)
    assert counts(escalation.run(now=new_due + HOUR)) == (0, 1, 0, 1)
    assert counts(escalation.run(now=new_due + HOUR + after())) == (0, 0, 1, 1)
    assert [(n.kind, n.user.username, n.task_due_at) for n in notices()] == [
        ("due_soon", "examiner", due), ("overdue", "examiner", due),
        ("due_soon", "examiner", new_due), ("overdue", "examiner", new_due), ("escalated", "supervisor", new_due)]
    assert smtp.recipients() == [(addresses["examiner"],)] * 4 + [(addresses["supervisor"],)]


# --- who is told ---------------------------------------------------------------------------------

def test_a_shared_supervisor_task_tells_every_active_supervisor_of_the_centre(kit, users, addresses, smtp):
    second = new_staff(users, "supervisor_2", ["supervisor"], like="supervisor")
    no_mail = new_staff(users, "supervisor_nomail", ["supervisor"], like="supervisor", email=False)
    retired = new_staff(users, "supervisor_retired", ["supervisor"], like="supervisor")
    retired.active = False
    db.session.commit()
    case = kit.make_case("closure_review")
    [task] = kit.open_tasks(case)
    assert (task.role, task.assignee_id, task.agency_id) == ("supervisor", None, case.centre_id)

    everyone = {"supervisor", "supervisor_2", "supervisor_nomail"}
    assert counts(escalation.run(now=task.due_at - 11 * HOUR)) == (1, 0, 0, 3)
    assert {who for _kind, who in told(task, "due_soon")} == everyone
    assert counts(escalation.run(now=task.due_at + HOUR)) == (0, 1, 0, 3)
    assert counts(escalation.run(now=task.due_at + HOUR + after())) == (0, 0, 1, 3)
    for kind in ("due_soon", "overdue", "escalated"):
        assert sorted(who for _kind, who in told(task, kind)) == sorted(everyone), kind
    assert all(n.user_id not in (retired.id, users["other_supervisor"].id) for n in notices())

    # E-mails to the two with an address; the one without has the in-app notices only.
    assert sorted(smtp.recipients()) == sorted([(addresses["supervisor"],), (second.email,)] * 3)
    assert all(n.emailed_at is None and n.email_attempts == 0 for n in notices() if n.user_id == no_mail.id)
    assert all(n.emailed_at is not None for n in notices() if n.user_id != no_mail.id)


def flagged_aid_task(kit, case) -> Task:
    kit.fire("case_prosecutor", case, "flag_aid")
    db.session.expire_all()
    [aid_task] = [t for t in case.tasks if t.aid_application_id is not None and t.is_open]
    assert (aid_task.role, aid_task.assignee_id) == ("aid_officer", None)
    assert aid_task.agency_id == kit.users["aid_officer"].agency_id == aid_task.aid_application.agency_id
    return aid_task


def test_a_shared_aid_task_tells_the_active_aid_officers_and_escalates_to_department_heads(kit, users, addresses,
                                                                                          smtp):
    case, case_task = registered_task(kit)
    aid_task = flagged_aid_task(kit, case)
    application = aid_task.aid_application
    users["aid_officer_2"].active = False
    users["aid_approver_officer"].email = None  # an aid officer (and deputy chief) without an address
    db.session.commit()
    due = aid_task.due_at
    assert due > case_task.due_at + after()  # the case's own task escalates first; it is told apart below

    escalation.run(now=due - 11 * HOUR)
    escalation.run(now=due + HOUR)
    escalation.run(now=due + HOUR + after())
    officers = ["aid_approver_officer", "aid_officer"]
    assert sorted(who for _kind, who in told(aid_task, "due_soon")) == officers
    assert sorted(who for _kind, who in told(aid_task, "overdue")) == officers
    # The handling procuratorate's aid department head: not the centre's supervisors, not the
    # deputy or chief procurators, not the approver of another procuratorate.
    assert told(aid_task, "escalated") == [("escalated", "aid_approver")]
    assert users["aid_approver"].aid_level == "department_head"
    assert {who for _kind, who in told(case_task)} == {"examiner", "supervisor"}

    aid_mails = [m for m in smtp.received if application.number in m.subject]
    assert sorted(aid_mails_to for aid_mails_to in (m.rcpt_tos for m in aid_mails)) == sorted(
        [(addresses["aid_officer"],)] * 2 + [(addresses["aid_approver"],)])
    assert all(case.number not in m.subject for m in aid_mails)


def test_aid_tasks_escalate_to_any_active_approver_when_there_is_no_department_head(kit, users, addresses, smtp):
    case, _case_task = registered_task(kit)
    aid_task = flagged_aid_task(kit, case)
    users["aid_approver"].active = False
    db.session.commit()
    escalation.run(now=aid_task.due_at + HOUR)
    escalation.run(now=aid_task.due_at + HOUR + after())
    assert sorted(who for _kind, who in told(aid_task, "escalated")) == ["aid_approver_officer", "aid_chief",
                                                                         "aid_deputy"]


def test_an_inactive_assignee_is_not_told(kit, users, addresses, smtp):
    case, task = registered_task(kit)
    users["examiner"].active = False
    db.session.commit()
    report = escalation.run(now=task.due_at + HOUR)
    assert (report.overdue, report.notifications) == (1, 0)
    report = escalation.run(now=task.due_at + HOUR + after())
    assert (report.escalated, report.notifications) == (1, 1)
    assert told() == [("escalated", "supervisor")]
    assert smtp.recipients() == [(addresses["supervisor"],)]


def test_no_contact_of_a_case_is_ever_a_recipient(kit, users, addresses, smtp):
    """Guardians and suspects are contacts of the case, not users: only the staff expected are told."""
    case, task = registered_task(kit)
    kit.fire("intake_officer", case, "add_contact", {"kind": "guardian", "name": "赵大伟", "relation": "继父",
                                                     "phone": "13900001111", "is_suspect": True})
    kit.fire("intake_officer", case, "add_suspect", {"name": "孙某", "relation_to_victims": "远房亲戚"})
    aid_task = flagged_aid_task(kit, case)
    closure = kit.make_case("closure_review", child_name="王小明")
    [closure_task] = kit.open_tasks(closure)
    contact_names = {c.name for c in case.contacts} | {s.name for s in case.incident.suspects}
    assert {"赵大伟", "孙某", "张丽", "赵某"} <= contact_names

    latest = max(task.due_at, aid_task.due_at, closure_task.due_at)
    for moment in (latest - 11 * HOUR, latest + HOUR, latest + HOUR + after()):
        escalation.run(now=moment)
    expected = {task.id: {"examiner", "supervisor"},
                aid_task.id: {"aid_officer", "aid_officer_2", "aid_approver_officer", "aid_approver"},
                closure_task.id: {"supervisor"}}
    got = {}
    for notification in notices():
        got.setdefault(notification.task_id, set()).add(notification.user.username)
    assert got == expected
    staff = {users[name].id for names in expected.values() for name in names}
    assert {n.user_id for n in notices()} == staff
    assert not {n.user.full_name for n in notices()} & contact_names
    assert {to for m in smtp.received for to in m.rcpt_tos} == {addresses[name] for names in expected.values()
                                                                for name in names}
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == len(smtp.received)


def test_a_task_extended_between_selection_and_claim_is_not_claimed(kit, clock):
    """The claim re-checks the step's condition: a run that selected a task as overdue just before a
    supervisor extended it leaves it alone, so the new due time gets its own overdue notice."""
    case, task = registered_task(kit)
    now = task.due_at + HOUR
    clock.move_to(now)
    [overdue] = [s for s in escalation.STEPS if s.kind == "overdue"]
    condition = overdue.condition(now, soon(), after())
    selected = db.session.scalars(db.select(Task.id).where(escalation._live(), overdue.marker.is_(None),
                                                          condition)).all()
    assert selected == [task.id]
    kit.fire("supervisor", case, "extend_clock",
             {"task_id": task.id, "new_due": "2026-10-20", "reason": "鉴定排期"})
    assert escalation._claim(overdue, selected, now, condition) == set()
    db.session.rollback()
    assert notices() == []
    # closed in between: not claimed either
    kit.fire("examiner", case, "start_exam")
    assert escalation._claim(overdue, selected, now, overdue.condition(now + 30 * DAY, soon(), after())) == set()
