"""Administrator commands: create a user, lift a lock-out, load the holiday calendar.

Whoever runs these holds the server, so they act at once, without a second administrator (the
admin log records them with the actor "command line")."""
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
    """Create a user with one or more roles in an agency.

    The roles apply at once (no second administrator's approval, as on the admin pages: the
    operator holds the server); the admin log records the creation with the actor "command line".
    """
    from workflow.admin.users import agency_by_name, create_user
    from workflow.core.errors import WorkflowError

    try:
        user = create_user(username=username, password=password, full_name=full_name or username, sex=sex,
                           roles=list(roles), agency=agency_by_name(agency), aid_level=aid_level,
                           email=email)
    except WorkflowError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created user {user.username} (id {user.id}) with roles {', '.join(sorted(user.roles))}")


@click.command("unlock-user")
@click.argument("username")
def unlock_user_command(username):
    """Lift the lock-out of USERNAME after too many failed logins.

    The failed attempts are forgotten and the user may log in again at once; the admin log records
    it with the actor "command line". (An administrator can do the same on the user's admin page.)
    """
    from workflow.admin.users import unlock_user, user_by_username
    from workflow.core.errors import WorkflowError

    try:
        user = user_by_username(username)
    except WorkflowError as exc:
        raise click.ClickException(exc.message) from exc
    was_locked = unlock_user(None, user)
    click.echo(f"unlocked {user.username}" if was_locked else
               f"{user.username} was not locked; failed attempts reset")


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
    from workflow.admin import calendar

    try:
        loaded = calendar.load_file(path or calendar.HOLIDAY_FILE, replace=replace)
    except (ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"bad holiday file: {exc!r}") from exc
    for year, count in loaded.items():
        click.echo(f"loaded {year}: {count} days")
    click.echo(f"calendar years: {', '.join(map(str, calendar.years())) or 'none'}")
    for year in calendar.missing_years():
        log.warning("no holiday data for %s: working days skip weekends only", year)


def init_app(app: Flask) -> None:
    for command in (create_user_command, unlock_user_command, calendar_load_command):
        app.cli.add_command(command)
