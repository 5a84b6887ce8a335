"""`flask --app wsgi retention run [--dry-run] [--at ISO]`: anonymise the closed cases whose
retention period has run (the escalation runner and `flask escalate` do it on every run too)."""
from __future__ import annotations

import datetime as dt

import click
from flask import Flask

from workflow.retention import operations


@click.group("retention")
def retention_group():
    """Retention of closed cases and legal holds (README, "Retention and legal hold")."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="List the cases that would be anonymised (ids, numbers and "
              "closing dates, never names) and change nothing.")
@click.option("--at", "at", default=None, metavar="ISO-TIME",
              help="Run as if it were this UTC time (e.g. 2036-10-09T16:00); default now.")
def run_command(dry_run: bool, at: str | None):
    """Anonymise every closed or withdrawn case `retention_years` (a setting, default 10) after it was
    closed, once its child is 21, unless a legal hold is live on it.

    Anonymising erases the child's and family's identities, the suspects' (with the incident's last
    case), the notes and findings, the case's data key (its history's values and documents' data
    become unreadable) and its documents' stored copies (verification still answers for them); it
    keeps the statistical facts and the audit trail. Each case in its own transaction; safe to run
    concurrently and repeatedly."""
    try:
        now = dt.datetime.fromisoformat(at) if at is not None else None
    except ValueError as exc:
        raise click.BadParameter(f"{at!r} is not an ISO date or time (e.g. 2036-10-09T16:00)",
                                 param_hint="--at") from exc
    if now is not None and now.tzinfo is not None:
        now = now.astimezone(dt.timezone.utc).replace(tzinfo=None)
    report = operations.run(now, dry_run=dry_run)
    for line in report.lines():
        click.echo(line)
    click.echo(str(report))


def init_app(app: Flask) -> None:
    app.cli.add_command(retention_group)
