"""The escalation command (for cron, when the in-process runner is off)."""
from __future__ import annotations

import click
from flask import Flask


@click.command("escalate")
@click.option("--at", "at", default=None, metavar="ISO-TIME",
              help="Run as if it were this UTC time (e.g. 2026-10-09T16:00); default now.")
def escalate_command(at):
    """Run one escalation of task clocks: reminders, overdue notices, supervisor escalation, e-mails.

    For cron (e.g. every 5 minutes) when the in-process runner is off (ONESTOP_ESCALATION_RUNNER=off).
    Safe to run concurrently and repeatedly: nothing is notified twice. Also fails background jobs
    that outlived ONESTOP_JOB_TIMEOUT (their worker died), anonymises the closed cases whose retention
    period has run (`flask retention run`), and signs the audit trail's chains.
    """
    import datetime as dt

    from workflow.audit.chain import checkpoint_all
    from workflow.core.extensions import db
    from workflow.core.jobs import fail_stale
    from workflow.inbox.escalation import run
    from workflow.inbox.runner import PERIODIC

    try:
        now = dt.datetime.fromisoformat(at) if at is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from exc
    if now is not None and now.tzinfo is not None:
        now = now.astimezone(dt.timezone.utc).replace(tzinfo=None)
    click.echo(str(run(now)))
    lost = fail_stale(now)
    if lost:
        click.echo(f"{lost} background job(s) failed as lost")
    reports = [job(now) for job in PERIODIC]  # retention (registered by the composition root)
    signed = checkpoint_all()
    db.session.commit()
    click.echo(f"{signed} audit checkpoint(s) signed")
    for report in reports:
        click.echo(str(report))


def init_app(app: Flask) -> None:
    for command in (escalate_command,):
        app.cli.add_command(command)
