"""E-mail of notifications over a real local SMTP server (aiosmtpd): what the e-mails say and what
they never say, and the outbox: nothing sent while SMTP is off, a down server retried later."""
from __future__ import annotations

from escalation_helpers import HOUR, LocalSmtp, free_port, notices, told
from flask import current_app
from flask_babel import force_locale

from workflow.core import process
from workflow.core.extensions import db
from workflow.inbox import escalation
from workflow.inbox.escalation import MAX_EMAIL_ATTEMPTS

BASE_URL = "https://onestop.example.org"
CHILD = "欧阳小雪"  # a name no other fixture uses


def title(task) -> str:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return process.task_title(task)


def overdue_case(kit, **overrides):
    case = kit.make_case("registered", child_name=CHILD, **overrides)
    [task] = kit.open_tasks(case)
    return case, task


# --- content ---------------------------------------------------------------------------------------

def test_the_email_names_the_case_task_and_link_but_never_the_child_or_suspects(app, kit, addresses, smtp):
    app.config["BASE_URL"] = BASE_URL
    case, task = overdue_case(kit)
    kit.fire("intake_officer", case, "add_suspect", {"name": "钱多多", "relation_to_victims": "邻居"})
    kit.fire("intake_officer", case, "add_contact", {"kind": "guardian", "name": "欧阳大伟", "relation": "父亲",
                                                     "phone": "13900002222", "is_suspect": True})
    secrets = {case.child_name} | {s.name for s in case.incident.suspects} | {c.name for c in case.contacts}
    assert {CHILD, "钱多多", "欧阳大伟", "赵某", "张丽"} <= secrets

    for moment in (task.due_at - 11 * HOUR, task.due_at + HOUR, task.due_at + 25 * HOUR):
        escalation.run(now=moment)
    assert [m.rcpt_tos for m in smtp.received] == [(addresses["examiner"],)] * 2 + [(addresses["supervisor"],)]
    for mail in smtp.received:
        message = mail.message
        assert message["From"] == current_app.config["MAIL_FROM"] == mail.mail_from
        assert message["To"] == mail.rcpt_tos[0]
        assert case.number in mail.subject
        assert title(task) in mail.body
        assert f"{BASE_URL}/cases/{case.id}" in mail.body
        assert case.number in mail.body
        for secret in secrets:
            assert secret not in mail.text, secret
            assert secret.encode() not in mail.raw, secret
        # No other case content either: the referral and the child's details stay out.
        for detail in (case.referral_detail, case.incident.police_case_no, case.child_birth_date.isoformat()):
            assert detail not in mail.text


def test_an_aid_task_email_names_the_application_and_links_to_it(app, kit, addresses, smtp):
    app.config["BASE_URL"] = BASE_URL
    case, _task = overdue_case(kit)
    kit.fire("case_prosecutor", case, "flag_aid")
    db.session.expire_all()
    [aid_task] = [t for t in case.tasks if t.aid_application_id is not None and t.is_open]
    application = aid_task.aid_application
    escalation.run(now=aid_task.due_at + HOUR)
    mails = [m for m in smtp.received if application.number in m.subject]
    assert sorted(m.rcpt_tos for m in mails) == sorted(
        (addresses[name],) for name in ("aid_officer", "aid_officer_2", "aid_approver_officer"))
    for mail in mails:
        assert f"{BASE_URL}/aid/{application.id}" in mail.body
        assert title(aid_task) in mail.body
        assert CHILD not in mail.text and "赵某" not in mail.text


# --- SMTP off, down, refusing ------------------------------------------------------------------------

def test_without_smtp_notifications_are_made_and_emailed_once_smtp_is_configured(app, kit, addresses, smtp):
    app.config["SMTP_HOST"] = ""  # not configured
    case, task = overdue_case(kit)
    report = escalation.run(now=task.due_at + HOUR)
    assert (report.overdue, report.notifications, report.emailed, report.email_failures) == (1, 1, 0, 0)
    [notice] = notices()
    assert (notice.emailed_at, notice.email_attempts, notice.email_error) == (None, 0, None)
    assert smtp.received == []

    smtp.configure()
    later = task.due_at + 2 * HOUR
    report = escalation.run(now=later)
    assert (report.notifications, report.emailed, report.email_failures) == (0, 1, 0)
    [notice] = notices()
    assert (notice.emailed_at, notice.email_attempts) == (later, 1)
    assert smtp.recipients() == [(addresses["examiner"],)]
    assert escalation.run(now=later + HOUR).emailed == 0
    assert len(smtp.received) == 1


def test_an_unreachable_server_does_not_fail_the_run_and_is_retried(kit, addresses, smtp_down):
    case, task = overdue_case(kit)
    report = escalation.run(now=task.due_at + HOUR)  # nothing listens on the configured port
    assert (report.overdue, report.notifications, report.emailed, report.email_failures) == (1, 1, 0, 1)
    [notice] = notices()
    assert (notice.emailed_at, notice.email_attempts) == (None, 0)  # no attempt was made: not counted
    report = escalation.run(now=task.due_at + 2 * HOUR)
    assert (report.notifications, report.emailed, report.email_failures) == (0, 0, 1)

    smtp_down.start()
    later = task.due_at + 3 * HOUR
    report = escalation.run(now=later)
    assert (report.notifications, report.emailed, report.email_failures) == (0, 1, 0)
    [notice] = notices()
    assert (notice.emailed_at, notice.email_attempts, notice.email_error) == (later, 1, None)
    assert smtp_down.recipients() == [(addresses["examiner"],)]
    assert escalation.run(now=later + HOUR).emailed == 0
    assert len(smtp_down.received) == 1


def test_a_closed_port_while_other_notices_wait(app, kit, addresses, smtp):
    """Notices made while the server is down wait with the ones made later: all go out once, in order."""
    app.config["SMTP_PORT"] = free_port()  # wrong port: connection refused
    case, task = overdue_case(kit)
    escalation.run(now=task.due_at + HOUR)
    escalation.run(now=task.due_at + 25 * HOUR)
    assert told() == [("overdue", "examiner"), ("escalated", "supervisor")]
    assert smtp.received == [] and all(n.emailed_at is None for n in notices())
    smtp.configure()
    report = escalation.run(now=task.due_at + 26 * HOUR)
    assert (report.emailed, report.email_failures) == (2, 0)
    assert smtp.recipients() == [(addresses["examiner"],), (addresses["supervisor"],)]


def test_a_refused_recipient_is_retried_up_to_the_limit_without_holding_up_others(kit, users, addresses, smtp):
    smtp.refuse.add(addresses["examiner"])
    case, task = overdue_case(kit)
    first = escalation.run(now=task.due_at + HOUR)
    assert (first.notifications, first.emailed, first.email_failures) == (1, 0, 1)
    [notice] = notices()
    assert notice.emailed_at is None and notice.email_attempts == 1 and "550" in notice.email_error

    # The supervisor's escalation goes out although the examiner's notice keeps failing.
    report = escalation.run(now=task.due_at + 25 * HOUR)
    assert (report.notifications, report.emailed, report.email_failures) == (1, 1, 1)
    assert smtp.recipients() == [(addresses["supervisor"],)]

    for _ in range(MAX_EMAIL_ATTEMPTS + 2):
        escalation.run(now=task.due_at + 26 * HOUR)
    [examiner_notice] = notices(kind="overdue")
    assert examiner_notice.email_attempts == MAX_EMAIL_ATTEMPTS and examiner_notice.emailed_at is None

    # Once the address works again, an exhausted notice is not sent any more (it stays in the app).
    smtp.refuse.clear()
    assert escalation.run(now=task.due_at + 27 * HOUR).emailed == 0
    assert smtp.recipients() == [(addresses["supervisor"],)]


def test_only_active_users_with_an_address_are_emailed(kit, users, addresses, smtp):
    users["examiner"].email = ""
    db.session.commit()
    case, task = overdue_case(kit)
    escalation.run(now=task.due_at + HOUR)
    assert told() == [("overdue", "examiner")]
    assert smtp.received == []
    # An address added later: the waiting notice goes out on the next run.
    users["examiner"].email = addresses["examiner"]
    db.session.commit()
    assert escalation.run(now=task.due_at + 2 * HOUR).emailed == 1
    # A user deactivated before the e-mail went out is not e-mailed.
    users["supervisor"].active = False
    db.session.commit()
    escalation.run(now=task.due_at + 25 * HOUR)
    assert smtp.recipients() == [(addresses["examiner"],)]


def test_a_second_server_gets_nothing_already_sent(app, kit, addresses, smtp):
    """Switching servers does not resend: the outbox is the notifications not yet e-mailed."""
    case, task = overdue_case(kit)
    escalation.run(now=task.due_at + HOUR)
    other = LocalSmtp(app).start()
    try:
        other.configure()
        escalation.run(now=task.due_at + 25 * HOUR)
        assert smtp.recipients() == [(addresses["examiner"],)]
        assert other.recipients() == [(addresses["supervisor"],)]
    finally:
        other.stop()


def test_notices_read_in_the_app_or_for_done_tasks_are_not_emailed_later(app, kit, users, addresses, smtp):
    app.config["SMTP_HOST"] = ""  # e-mail switched on only later
    first, first_task = overdue_case(kit)
    second, second_task = overdue_case(kit)
    third, third_task = overdue_case(kit)
    escalation.run(now=first_task.due_at + HOUR)
    assert len(notices()) == 3
    from workflow.inbox import notifications as notification_service

    [read] = [n for n in notices() if n.task_id == first_task.id]
    notification_service.mark_read(users["examiner"], read.id)
    kit.fire("examiner", second, "start_exam")  # the second task is done
    assert second_task.closed_at is not None

    smtp.configure()
    report = escalation.run(now=first_task.due_at + 2 * HOUR)
    assert report.emailed == 1
    [mail] = smtp.received
    assert third.number in mail.subject
    assert {n.task_id for n in notices() if n.emailed_at} == {third_task.id}
