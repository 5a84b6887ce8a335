"""Command-line interface: `flask --app wsgi <command> --help`."""
from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Flask

log = logging.getLogger(__name__)


@click.command("create-user")
@click.option("--username", required=True, help="Login name.")
@click.option("--password", required=True, prompt=True, hide_input=True, help="At least 10 characters.")
@click.option("--role", "roles", multiple=True, required=True,
              help="Role (repeatable), e.g. --role examiner --role supervisor.")
@click.option("--agency", required=True, help="Name of an existing agency.")
@click.option("--full-name", default=None, help="Display name (defaults to the username).")
@click.option("--sex", type=click.Choice(["F", "M"]), default="F", show_default=True,
              help="Needed for the female-examiner rule.")
@click.option("--aid-level", type=click.Choice(["department_head", "deputy_chief", "chief"]), default=None,
              help="Approval level; required with --role aid_approver.")
@click.option("--email", default=None, help="Address for deadline notifications (when SMTP is configured).")
def create_user_command(username, password, roles, agency, full_name, sex, aid_level, email):
    """Create a user with one or more roles in an agency."""
    from .errors import WorkflowError
    from .services.users import agency_by_name, create_user

    try:
        user = create_user(username=username, password=password, full_name=full_name or username, sex=sex,
                           roles=list(roles), agency=agency_by_name(agency), aid_level=aid_level,
                           email=email)
    except WorkflowError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created user {user.username} (id {user.id}) with roles {', '.join(sorted(user.roles))}")


@click.command("seed-demo")
@click.option("--password", default="onestop-demo", show_default=True, help="Password of every demo user.")
def seed_demo_command(password):
    """Load demo agencies, one user per role and ~20 cases in every state (idempotent)."""
    from .demo import seed

    created = seed(password)
    click.echo("Demo data ready." if not created else "Demo data loaded.")
    from .demo import DEMO_USERS

    click.echo(f"Demo logins (password: {password}):")
    for username, _full_name, _sex, roles, _agency in DEMO_USERS:
        click.echo(f"  {username:<14} {', '.join(roles)}")


@click.command("workflow-diagram")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="SVG file to write.")
@click.option("--highlight", default=None, help="A state to highlight.")
@click.option("--process", "process_name", type=click.Choice(["case", "aid"]), default="case", show_default=True,
              help="The victim case workflow, or the judicial aid application.")
def workflow_diagram_command(out: Path, highlight, process_name):
    """Write a workflow diagram (SVG) generated from the process definition."""
    from . import definition
    from .diagram import workflow_svg

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(workflow_svg(highlight, definition.PROCESSES[process_name]), encoding="utf-8")
    click.echo(f"wrote {out}")


@click.command("workflow-table")
@click.option("--process", "process_name", type=click.Choice(["case", "aid"]), default="case", show_default=True,
              help="The victim case workflow (docs/workflow.md) or the aid application (docs/aid.md).")
def workflow_table_command(process_name):
    """Print the trigger table (Markdown) generated from the process definition."""
    from . import definition
    from .diagram import transitions_markdown

    click.echo(transitions_markdown(definition.PROCESSES[process_name]), nl=False)


@click.command("calendar-load")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Holiday file (TOML); default workflow/data/holidays_cn.toml.")
@click.option("--replace", is_flag=True,
              help="Also reload years already in the database (discards corrections made on the admin page).")
def calendar_load_command(path, replace):
    """Load public holidays and make-up working days into the working-day calendar.

    Years already in the database are skipped unless --replace is given, so running this on every
    deployment (as `make db` does) keeps an administrator's corrections.
    """
    from .services import calendar

    try:
        loaded = calendar.load_file(path or calendar.HOLIDAY_FILE, replace=replace)
    except (ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"bad holiday file: {exc!r}") from exc
    for year, count in loaded.items():
        click.echo(f"loaded {year}: {count} days")
    click.echo(f"calendar years: {', '.join(map(str, calendar.years())) or 'none'}")
    for year in calendar.missing_years():
        log.warning("no holiday data for %s: working days skip weekends only", year)


@click.command("escalate")
@click.option("--at", "at", default=None, metavar="ISO-TIME",
              help="Run as if it were this UTC time (e.g. 2026-10-09T16:00); default now.")
def escalate_command(at):
    """Run one escalation of task clocks: reminders, overdue notices, supervisor escalation, e-mails.

    For cron (e.g. every 5 minutes) when the in-process runner is off (ONESTOP_ESCALATION_RUNNER=off).
    Safe to run concurrently and repeatedly: nothing is notified twice. Also fails background jobs
    that outlived ONESTOP_JOB_TIMEOUT (their worker died).
    """
    import datetime as dt

    from .escalation import run
    from .jobs import fail_stale

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


@click.command("document-samples")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("docs/samples"),
              show_default=True, help="Directory for the PNG files (one per document).")
@click.option("--dpi", default=70, show_default=True, help="Resolution of the PNG files.")
def document_samples_command(out: Path, dpi: int):
    """Render the first page of every document from the demo data as PNG (needs seed-demo and pdftoppm)."""
    from .documents.samples import write_samples

    try:
        written = write_samples(out, dpi)
    except (LookupError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    for path in written:
        click.echo(str(path))


def init_app(app: Flask) -> None:
    from .registry.cli import registry_cli

    for command in (create_user_command, seed_demo_command, workflow_diagram_command, workflow_table_command,
                    calendar_load_command, escalate_command, document_samples_command, registry_cli):
        app.cli.add_command(command)
