"""App-wide commands: demo data, the workflow diagrams and tables, and document samples."""
from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Flask

log = logging.getLogger(__name__)


@click.command("seed-demo")
@click.option("--password", default="onestop-demo", show_default=True, help="Password of every demo user.")
def seed_demo_command(password):
    """Load demo agencies, one user per role and ~20 cases in every state (idempotent)."""
    from workflow.demo import seed

    created = seed(password)
    click.echo("Demo data ready." if not created else "Demo data loaded.")
    from workflow.demo import DEMO_USERS

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


def init_app(app: Flask) -> None:
    for command in (seed_demo_command, workflow_diagram_command, workflow_table_command, document_samples_command):
        app.cli.add_command(command)
