"""Where escalation runs: the `flask escalate` command (cron) and the in-process runner thread."""
from __future__ import annotations

import threading
import time

from escalation_helpers import HOUR, N0, notices, told

from workflow.core.extensions import db
from workflow.inbox import runner as escalation_runner


def registered_task(kit):
    case = kit.make_case("registered")
    [task] = kit.open_tasks(case)
    return case, task


# --- flask escalate --------------------------------------------------------------------------------

def test_escalate_at_a_given_time_prints_the_report_and_notifies(runner, kit, addresses, smtp):
    case, task = registered_task(kit)
    assert task.due_at == N0 + 24 * HOUR  # 2026-10-13 02:00 UTC
    result = runner.invoke(args=["escalate", "--at", "2026-10-13T03:00"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == ("due soon 0, overdue 1, escalated 0; 1 notifications, 1 e-mailed, "
                                             "0 e-mail failures")
    assert result.output.splitlines()[1].endswith("audit checkpoint(s) signed")
    assert told() == [("overdue", "examiner")]
    [notice] = notices()
    assert notice.created_at == notice.emailed_at == N0 + 25 * HOUR
    assert smtp.recipients() == [(addresses["examiner"],)]

    # The same time again: nothing new.
    again = runner.invoke(args=["escalate", "--at", "2026-10-13T03:00"])
    assert again.exit_code == 0 and "overdue 0" in again.output and "0 notifications" in again.output

    # A time with an offset is converted to UTC: 11:00 in Beijing on the 14th is 03:00 UTC.
    result = runner.invoke(args=["escalate", "--at", "2026-10-14T11:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "escalated 1; 1 notifications, 1 e-mailed" in result.output
    assert told() == [("overdue", "examiner"), ("escalated", "supervisor")]
    assert notices()[-1].created_at == N0 + 49 * HOUR


def test_escalate_without_a_time_runs_now(runner, kit, clock, addresses, smtp):
    case, task = registered_task(kit)
    clock.move_to(task.due_at + HOUR)
    result = runner.invoke(args=["escalate"])
    assert result.exit_code == 0, result.output
    assert "overdue 1" in result.output
    assert [n.created_at for n in notices()] == [task.due_at + HOUR]


def test_escalate_refuses_a_garbage_time(runner, kit, addresses):
    case, task = registered_task(kit)
    for garbage in ("garbage", "2026-13-45", "yesterday", ""):
        result = runner.invoke(args=["escalate", "--at", garbage])
        assert result.exit_code != 0, garbage
        assert "Invalid value for --at" in result.output, result.output
        assert result.exit_code == 2  # click's usage error
    assert notices() == []


def test_escalate_is_listed_in_the_help(runner):
    result = runner.invoke(args=["escalate", "--help"])
    assert result.exit_code == 0
    assert "--at ISO-TIME" in result.output


# --- the in-process runner -------------------------------------------------------------------------

def test_the_runner_thread_is_not_started_in_tests(app, pages):
    pages.html("examiner", "/")
    assert app.testing
    assert "escalation_thread" not in app.extensions and "escalation_stop" not in app.extensions


def _wait_for(condition, limit: float = 30.0) -> bool:
    """Poll until `condition()` holds (the limit only bounds a broken run; nothing is timed)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_the_runner_loop_escalates_until_stopped(app, kit, clock, addresses, smtp):
    case, task = registered_task(kit)
    clock.move_to(task.due_at + HOUR)  # the runner runs at "now"
    db.session.commit()
    app.config["ESCALATION_INTERVAL"] = 0.05
    stop = threading.Event()
    thread = threading.Thread(target=escalation_runner._loop, args=(app, stop), name="escalation-test", daemon=True)
    thread.start()
    try:
        assert _wait_for(lambda: len(smtp.received) == 1)
        assert told() == [("overdue", "examiner")]
        db.session.commit()  # end the test's read, so the runner may write

        # Still running: later runs see the supervisors' escalation once its time comes.
        clock.move_to(task.due_at + 25 * HOUR)
        assert _wait_for(lambda: len(smtp.received) == 2)
        assert told() == [("overdue", "examiner"), ("escalated", "supervisor")]
        db.session.commit()
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert smtp.recipients() == [(addresses["examiner"],), (addresses["supervisor"],)]
    assert [n.created_at for n in notices()] == [task.due_at + HOUR, task.due_at + 25 * HOUR]


def test_the_runner_loop_survives_a_failing_run(app, kit, clock, addresses, smtp, caplog):
    """A run that raises is logged and the next one runs: a broken setting, then a fixed one."""
    from workflow.core import settings

    case, task = registered_task(kit)
    settings.put("escalation_due_soon_hours", "not a number")
    db.session.commit()
    clock.move_to(task.due_at + HOUR)
    app.config["ESCALATION_INTERVAL"] = 0.05
    stop = threading.Event()
    thread = threading.Thread(target=escalation_runner._loop, args=(app, stop), daemon=True)
    with caplog.at_level("ERROR", logger="workflow.inbox.runner"):
        thread.start()
        try:
            assert _wait_for(lambda: any("escalation run failed" in r.getMessage() for r in caplog.records))
            assert thread.is_alive() and notices() == []
            settings.put("escalation_due_soon_hours", 24)
            db.session.commit()
            assert _wait_for(lambda: len(smtp.received) == 1)
            assert told() == [("overdue", "examiner")]
            db.session.commit()
        finally:
            stop.set()
            thread.join(timeout=30)
    assert not thread.is_alive()
