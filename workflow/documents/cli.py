"""Document samples for the docs."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask


@click.command("document-samples")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("docs/samples"),
              show_default=True, help="Directory for the PNG files (one per document).")
@click.option("--dpi", default=70, show_default=True, help="Resolution of the PNG files.")
def document_samples_command(out: Path, dpi: int):
    """Render the first page of every document from the demo data as PNG (needs seed-demo and pdftoppm)."""
    from workflow.documents.samples import write_samples

    try:
        written = write_samples(out, dpi)
    except (LookupError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    for path in written:
        click.echo(str(path))


def init_app(app: Flask) -> None:
    for command in (document_samples_command,):
        app.cli.add_command(command)
