"""App-wide commands: demo data, the workflow diagrams and tables, document samples and the database's grants."""
from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from workflow.core import keys
from workflow.core.extensions import db

log = logging.getLogger(__name__)


@click.command("seed-demo")
@click.option("--password", default="onestop-demo", show_default=True, help="Password of every demo user.")
def seed_demo_command(password):
    """Load demo agencies, one user per role and ~20 cases in every state (idempotent); print the
    demo logins with their second-factor keys."""
    from workflow.admin import signin
    from workflow.admin.models import User
    from workflow.demo import DEMO_USERS, seed

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo is for development only: it creates users with a known password")

    created = seed(password)
    click.echo("Demo data ready." if not created else "Demo data loaded.")
    click.echo(f"Demo logins (password: {password}; second factor: add the key to an authenticator app,")
    click.echo("or print the current code with `flask --app wsgi otp-code USERNAME`):")
    for username, _full_name, _sex, roles, _agency in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        key = signin.otp_secret(user) if user is not None and user.enrolled else "(not enrolled)"
        click.echo(f"  {username:<14} {key:<34} {', '.join(roles)}")


@click.command("otp-code")
@click.argument("username")
def otp_code_command(username):
    """Print USERNAME's current second-factor code (development only: demo logins without a phone)."""
    from workflow.admin import signin
    from workflow.admin.models import User

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("otp-code is for development only: in production codes come from the "
                                   "user's authenticator app")
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.enrolled:
        raise click.ClickException(f"{username} has no second factor set up (it is set up at the first login)")
    click.echo(signin.current_code(signin.otp_secret(user)))


@click.command("workflow-diagram")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="SVG file to write.")
@click.option("--highlight", default=None, help="A state to highlight.")
@click.option("--process", "process_name", type=click.Choice(["case", "aid"]), default="case", show_default=True,
              help="The victim case workflow, or the judicial aid application.")
def workflow_diagram_command(out: Path, highlight, process_name):
    """Write a workflow diagram (SVG) generated from the process definition."""
    from workflow.core.diagram import workflow_svg
    from workflow.core.process import PROCESSES

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(workflow_svg(highlight, PROCESSES[process_name]), encoding="utf-8")
    click.echo(f"wrote {out}")


@click.command("workflow-table")
@click.option("--process", "process_name", type=click.Choice(["case", "aid"]), default="case", show_default=True,
              help="The victim case workflow (docs/workflow.md) or the aid application (docs/aid.md).")
def workflow_table_command(process_name):
    """Print the trigger table (Markdown) generated from the process definition."""
    from workflow.core.diagram import transitions_markdown
    from workflow.core.process import PROCESSES

    click.echo(transitions_markdown(PROCESSES[process_name]), nl=False)


@click.command("document-samples")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("docs/samples"),
              show_default=True, help="Directory for the PNG files (one per document).")
@click.option("--dpi", default=70, show_default=True, help="Resolution of the PNG files.")
def document_samples_command(out: Path, dpi: int):
    """Render the first page of every document from the demo data as PNG (needs seed-demo and pdftoppm)."""
    from workflow.samples import write_samples

    try:
        written = write_samples(out, dpi)
    except (LookupError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    for path in written:
        click.echo(str(path))


@click.command("db-grants")
@click.option("--role", default=None,
              help="The app's database role (default: DATABASE_APP_ROLE, else DATABASE_URL's user when "
                   "DATABASE_OWNER_URL connects as another).")
def db_grants_command(role):
    """Give the app's PostgreSQL role its privileges, as the tables' owner (DATABASE_OWNER_URL): read
    and write on ordinary tables, INSERT and SELECT only on the history, the audit trail, the admin
    log and issued documents, nothing more. Idempotent; `db upgrade` does the same after migrating."""
    from workflow.core import privileges

    role = role or privileges.app_role(current_app.config)
    engine = privileges.migration_engine()
    if engine.dialect.name != "postgresql":
        raise click.ClickException("db-grants is for PostgreSQL: SQLite has no database roles")
    if not role:
        raise click.ClickException("no app role: set DATABASE_OWNER_URL to the owner's URL and DATABASE_URL to the "
                                   "app role's, or pass --role")
    try:
        with engine.begin() as conn:
            done = privileges.grant(conn, role)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{done['role']}: SELECT, INSERT, UPDATE, DELETE on {done['tables']} tables of {done['schema']}, "
               f"except INSERT and SELECT only on {', '.join(done['append_only']) or '(none yet)'} "
               f"and SELECT only on {', '.join(done['read_only']) or '(none yet)'}; no TRUNCATE")


def init_app(app: Flask) -> None:
    for command in (seed_demo_command, otp_code_command, workflow_diagram_command, workflow_table_command,
                    document_samples_command, db_grants_command, keys.keys_group):
        app.cli.add_command(command)
