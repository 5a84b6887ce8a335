"""Escalation of task clocks: the periodic job behind `flask escalate` and the in-process runner.

Each run, for the open tasks of live cases (not closed, withdrawn or suspended):
1. due soon: the assignee is reminded (once the clock is half gone and the due time is at most
   `escalation_due_soon_hours` away);
2. overdue: the assignee is told;
3. escalated: `escalation_supervisor_after_hours` after step 2 (and at least as long after the due
   time, so that time a suspended case stood still does not count), the supervisors are told (the
   centre's supervisors; for an aid task, the aid department heads of the handling procuratorate).

A step is claimed with a conditional UPDATE ... RETURNING of the tasks' marker column, so concurrent
runs (two gunicorn workers, cron plus a worker) never notify twice; the notifications' unique key (user,
task, kind, due time) backs that up. Markers reset when the due time moves into the future again
(resume, extension). Notices go only to staff accounts, never to a child's family: a suspect, or a
guardian who is a suspect, cannot be notified because no contact of a case is ever a recipient.

E-mails are sent after the notifications are committed, from the rows not yet e-mailed (an
outbox): a failed send is retried on the next run, up to MAX_EMAIL_ATTEMPTS times.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy import and_, select, update
from sqlalchemy.orm import joinedload

from workflow.admin.models import User
from workflow.admin.users import active_holders
from workflow.aid.models import AidApplication
from workflow.cases import definition
from workflow.cases.models import Case
from workflow.core import mail, settings
from workflow.core.extensions import db
from workflow.core.models import Task, utcnow
from workflow.core.process import derived_roles, task_title
from workflow.inbox.labels import NOTIFICATION_LABELS
from workflow.inbox.models import Notification

# Remind the assignee this many hours before a task is due; tell the supervisor this many hours
# after the assignee was told that it is overdue.
settings.declare(escalation_due_soon_hours=24, escalation_supervisor_after_hours=24)

log = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5
# The connection broke: stop the batch without counting an attempt against the message.
CONNECTION_LOST = (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError)


@dataclass
class RunReport:
    due_soon: int = 0
    overdue: int = 0
    escalated: int = 0
    notifications: int = 0
    emailed: int = 0
    email_failures: int = 0

    def __str__(self) -> str:
        return (f"due soon {self.due_soon}, overdue {self.overdue}, escalated {self.escalated}; "
                f"{self.notifications} notifications, {self.emailed} e-mailed, {self.email_failures} e-mail failures")


CHUNK = 500


class Recipients:
    """The ids of who is told; shared tasks' and supervisors' looked up once per run."""

    def __init__(self) -> None:
        self._cache: dict[tuple, list[int]] = {}

    def _with_role(self, agency_id: int, role: str, aid_level: str | None = None) -> list[int]:
        key = (agency_id, role, aid_level)
        if key not in self._cache:
            self._cache[key] = active_holders(agency_id, role, aid_level)
        return self._cache[key]

    def assignees(self, task: Task) -> list[int]:
        """The assignee, or everyone sharing an unassigned task (by role, in the task's agency)."""
        if task.assignee is not None:
            return [task.assignee_id] if task.assignee.active else []
        if task.agency_id is None:
            return []
        return self._with_role(task.agency_id, derived_roles().get(task.role, task.role))

    def supervisors(self, task: Task) -> list[int]:
        if task.aid_application is not None:
            agency_id = task.aid_application.agency_id
            return (self._with_role(agency_id, "aid_approver", "department_head")
                    or self._with_role(agency_id, "aid_approver"))
        return self._with_role(task.case.centre_id, "supervisor")


def _half_gone(task: Task, now: dt.datetime) -> bool:
    # Short clocks (24 hours) would otherwise be "due soon" the moment they open. Time the case
    # stood still (suspended: `paused_seconds`, also added to `due_at`) counts on neither side.
    paused = dt.timedelta(seconds=task.paused_seconds or 0)
    return now - task.started_at - paused >= (task.due_at - task.started_at - paused) / 2


@dataclass(frozen=True)
class Step:
    kind: str
    marker: object  # the Task column recording that the step was done
    condition: Callable[[dt.datetime, dt.timedelta, dt.timedelta], object]
    recipients: str  # the Recipients method


STEPS = (
    Step("due_soon", Task.due_soon_notified_at,
         lambda now, soon, after: and_(Task.due_at > now, Task.due_at <= now + soon), "assignees"),
    Step("overdue", Task.overdue_notified_at, lambda now, soon, after: Task.due_at <= now, "assignees"),
    # `after` hours after the overdue notice and, in running time, after the due time (which resuming
    # a suspended case moved on by the paused span): the time a case stood still does not count.
    Step("escalated", Task.escalated_at,
         lambda now, soon, after: and_(Task.overdue_notified_at <= now - after, Task.due_at <= now - after),
         "supervisors"),
)


def _live():
    """Open tasks of cases whose clocks run: not closed or withdrawn, not suspended."""
    live_cases = select(Case.id).where(Case.state.not_in(definition.CASE.terminal), Case.suspended_at.is_(None))
    return and_(Task.closed_at.is_(None), Task.case_id.in_(live_cases))


def _claim(step: Step, task_ids: list[int], now: dt.datetime, condition) -> set[int]:
    """Mark the step done for these tasks; returns those no other run had taken. The step's
    condition is checked again here: a task extended, closed or suspended since it was selected
    is left alone (PostgreSQL re-evaluates it after waiting for a concurrent writer's row lock)."""
    if not task_ids:
        return set()
    claimed = db.session.execute(update(Task).where(Task.id.in_(task_ids), step.marker.is_(None), _live(), condition)
                                 .values({step.marker.key: now}).returning(Task.id)
                                 .execution_options(synchronize_session=False))
    return set(claimed.scalars())


def _load(task_ids) -> list[Task]:
    """The tasks as the database has them now (also when this session read them earlier)."""
    return db.session.scalars(
        select(Task).where(Task.id.in_(task_ids)).order_by(Task.id)
        .options(joinedload(Task.case), joinedload(Task.assignee), joinedload(Task.aid_application))
        .execution_options(populate_existing=True)).unique().all()


def _step(step: Step, task_ids: list[int], now: dt.datetime, condition,
          recipients: Recipients) -> tuple[int, int]:
    """One step for a chunk of candidate tasks: (tasks notified, notifications created)."""
    if step.kind == "due_soon":
        task_ids = [t.id for t in _load(task_ids) if _half_gone(t, now)]
    claimed = _claim(step, task_ids, now, condition)
    tasks = _load(claimed)
    existing = set(db.session.execute(
        select(Notification.user_id, Notification.task_id, Notification.task_due_at)
        .where(Notification.task_id.in_(claimed), Notification.kind == step.kind)).all()) if claimed else set()
    created = 0
    for task in tasks:
        for user_id in getattr(recipients, step.recipients)(task):
            if (user_id, task.id, task.due_at) not in existing:
                db.session.add(Notification(user_id=user_id, task_id=task.id, kind=step.kind,
                                            task_due_at=task.due_at, created_at=now))
                created += 1
    return len(claimed), created


def run(now: dt.datetime | None = None) -> RunReport:
    """One escalation run at `now` (naive UTC; default the current time)."""
    now = now or utcnow()
    report = RunReport()
    soon = dt.timedelta(hours=int(settings.get("escalation_due_soon_hours")))
    after = dt.timedelta(hours=int(settings.get("escalation_supervisor_after_hours")))
    recipients = Recipients()
    try:
        for step in STEPS:
            condition = step.condition(now, soon, after)
            candidate_ids = db.session.scalars(
                select(Task.id).where(_live(), step.marker.is_(None), condition).order_by(Task.id)).all()
            for start in range(0, len(candidate_ids), CHUNK):
                notified, created = _step(step, candidate_ids[start:start + CHUNK], now, condition, recipients)
                setattr(report, step.kind, getattr(report, step.kind) + notified)
                report.notifications += created
                db.session.commit()  # a chunk at a time: short transactions
    except Exception:
        db.session.rollback()
        raise
    report.emailed, report.email_failures = deliver_emails(now)
    log.info("escalation at %s: %s", now.isoformat(timespec="seconds"), report)
    return report


# --- e-mail ---------------------------------------------------------------------------------------

def subject_number(task: Task) -> str:
    return task.aid_application.number if task.aid_application is not None else task.case.number


def _email(notification: Notification):
    """Only the case number, task and due time: the e-mail leaves our systems, so no child's name
    and no case content."""
    task = notification.task
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = f"[OneStop] {NOTIFICATION_LABELS[notification.kind]}: {subject_number(task)}"
        path = (f"/aid/{task.aid_application_id}" if task.aid_application_id is not None
                else f"/cases/{task.case_id}")
        body = "\n".join([
            _("Case or application: %(number)s", number=subject_number(task)),
            _("Task: %(title)s", title=task_title(task)),
            _("Due: %(due)s", due=format_datetime(notification.task_due_at, "medium")),
            "",
            _("Open OneStop to see it: %(link)s", link=current_app.config["BASE_URL"] + path),
        ])
    return mail.message(notification.user.email, subject, body)


def deliver_emails(now: dt.datetime) -> tuple[int, int]:
    """Send the notifications not yet e-mailed to users with an address. Returns (sent, failed).

    Notices already read in the app, or whose task is done, are no longer worth an e-mail."""
    if not mail.configured():
        return 0, 0
    pending = db.session.scalars(
        select(Notification).join(Notification.user).join(Notification.task)
        .where(Notification.emailed_at.is_(None), Notification.email_attempts < MAX_EMAIL_ATTEMPTS,
               Notification.read_at.is_(None), _live(),
               User.email.is_not(None), User.email != "", User.active.is_(True))
        .options(joinedload(Notification.task).joinedload(Task.case),
                 joinedload(Notification.task).joinedload(Task.aid_application).joinedload(AidApplication.case))
        .order_by(Notification.id)).unique().all()
    return send_outbox(pending, _email, now)


def send_outbox(pending: list[Notification], compose: Callable[[Notification], object],
                now: dt.datetime) -> tuple[int, int]:
    """E-mail each notification (`compose(notification)` makes the message) over one SMTP session,
    claiming it first so that concurrent senders never send one twice. Returns (sent, failed); a
    failure is kept on the notification and retried while it has attempts left."""
    if not pending:
        return 0, 0
    sent = failed = 0
    try:
        with mail.connection() as smtp:
            for notification in pending:
                claimed = db.session.execute(
                    update(Notification).where(Notification.id == notification.id, Notification.emailed_at.is_(None),
                                               Notification.email_attempts == notification.email_attempts)
                    .values(email_attempts=Notification.email_attempts + 1)
                    .execution_options(synchronize_session=False)).rowcount
                if not claimed:
                    db.session.rollback()
                    continue
                try:
                    smtp.send_message(compose(notification))
                except CONNECTION_LOST:
                    db.session.rollback()  # not this message's fault: the attempt does not count
                    raise
                except (OSError, ValueError) as exc:  # refused by the server (smtplib errors are OSErrors)
                    notification.email_error = str(exc)[:500]
                    failed += 1
                else:
                    notification.emailed_at = now
                    notification.email_error = None
                    sent += 1
                db.session.commit()
    except OSError as exc:  # no connection, or it broke: the rest wait for the next run
        db.session.rollback()
        log.warning("SMTP %s:%s unreachable or disconnected: %s", current_app.config["SMTP_HOST"], current_app.config["SMTP_PORT"],
                    exc)
        failed += len(pending) - sent - failed
    return sent, failed
