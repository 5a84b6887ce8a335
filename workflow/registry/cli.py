"""`flask --app wsgi registry …`: import entries from a CSV file (four-eyes: they await a second
maintainer's approval) and generate synthetic data for benchmarks."""
from __future__ import annotations

import csv
import time
from pathlib import Path

import click
from flask import Flask

IMPORT_HEADERS = {
    "name": ("name", "姓名"),
    "id_type": ("id_type", "证件类型"),
    "id_number": ("id_number", "证件号码", "身份证号", "身份证号码"),
    "birth_date": ("birth_date", "出生日期"),
    "category": ("category", "类别", "记录类别"),
    "ban_lifelong": ("ban_lifelong", "终身禁业", "终身从业禁止"),
    "ban_until": ("ban_until", "禁业截止日期", "从业禁止截止日期"),
    "source_document": ("source_document", "来源文书", "文书"),
    "source_date": ("source_date", "文书日期", "来源日期"),
}
DATE_FIELDS = ("birth_date", "ban_until", "source_date")
TRUE_WORDS = ("1", "true", "yes", "y", "是", "终身")
FALSE_WORDS = ("", "0", "false", "no", "n", "否")


class RowError(ValueError):
    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))
        self.fields = fields


def parse_row(row: dict[str, str]) -> dict:
    """A CSV row (field → text) as the values `entries.clean_values` checks; RowError for text that
    is not a date or a yes/no."""
    from workflow.registry.screening import ID_TYPE_NAMES, parse_day

    values: dict = {k: (row.get(k) or "").strip() for k in IMPORT_HEADERS}
    errors: dict[str, list[str]] = {}
    values["id_type"] = ID_TYPE_NAMES.get(values["id_type"], values["id_type"]) or None
    for key in DATE_FIELDS:
        try:
            values[key] = parse_day(values[key])
        except ValueError:
            errors[key] = ["not a date (YYYY-MM-DD)"]
            values[key] = None
    lifelong = values["ban_lifelong"].lower()
    if lifelong not in TRUE_WORDS + FALSE_WORDS:
        errors["ban_lifelong"] = ["not yes or no (1/0, true/false, 是/否)"]
    values["ban_lifelong"] = lifelong in TRUE_WORDS
    if errors:
        raise RowError(errors)
    return values


def read_entries(path: Path) -> list[dict[str, str]]:
    """The rows of an import file (UTF-8 with or without BOM, or GB 18030), keyed by field."""
    from workflow.registry.screening import decode

    reader = csv.reader(decode(path.read_bytes()).splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    columns = {}
    for key, names in IMPORT_HEADERS.items():
        columns[key] = next((i for i, heading in enumerate(header) if heading in names), None)
    missing = [key for key in ("name", "id_number", "category", "source_document", "source_date")
               if columns[key] is None]
    if missing:
        raise click.ClickException(f"{path}: the header lacks the column(s) {', '.join(missing)}; expected "
                                   f"{','.join(IMPORT_HEADERS)}")
    return [{key: row[i] if i is not None and i < len(row) else "" for key, i in columns.items()}
            for row in reader if any(cell.strip() for cell in row)]


@click.group("registry")
def registry_cli():
    """The register of offenders against minors: import entries, generate synthetic data."""


@registry_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "username", required=True, help="Username of the registry maintainer proposing the entries.")
@click.option("--reason", default="批量导入", show_default=True, help="Reason recorded on every proposed entry.")
def import_command(file: Path, username: str, reason: str):
    """Propose an entry for every row of a CSV FILE; a second maintainer approves each.

    Columns (first row; English names or the Chinese headings): name (姓名), id_type (证件类型:
    resident_id, passport, …, or 居民身份证, 护照, …; default resident_id), id_number (证件号码),
    birth_date (出生日期; needed for documents other than a resident ID), category (类别:
    conviction_rape, conviction_indecency, conviction_molestation, conviction_similar,
    non_prosecution, administrative_penalty, employment_ban), ban_lifelong (终身禁业: 1/0, 是/否),
    ban_until (禁业截止日期), source_document (来源文书), source_date (文书日期). Dates as YYYY-MM-DD.

    Rows that fail validation are reported by row number (the first row after the header is row 1)
    and skipped; the others are imported. Exit code 1 if the user may not maintain the register or
    the file cannot be read; 0 otherwise, also when some rows were reported.
    """
    from sqlalchemy import select

    from workflow.admin.models import User
    from workflow.core.access import require
    from workflow.core.errors import WorkflowError
    from workflow.core.extensions import db
    from workflow.registry import operations

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"no active user {username!r}")
    try:
        require(user, "registry_maintain")
    except WorkflowError as exc:
        raise click.ClickException(exc.message) from exc
    errors: dict[int, str] = {}
    parsed: list[tuple[int, dict]] = []
    for number, row in enumerate(read_entries(file), start=1):
        try:
            parsed.append((number, parse_row(row)))
        except RowError as exc:
            errors[number] = str(exc)
    try:
        count, invalid = operations.import_entries(user, [values for _n, values in parsed], reason)
    except WorkflowError as exc:
        raise click.ClickException(exc.message) from exc
    for index, fields in invalid.items():
        errors[parsed[index - 1][0]] = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in fields.items())
    for number in sorted(errors):
        click.echo(f"row {number}: {errors[number]}", err=True)
    click.echo(f"imported {count} entr{'y' if count == 1 else 'ies'} awaiting a second maintainer's approval; "
               f"{len(errors)} row(s) with errors")


@registry_cli.command("synthesize")
@click.option("--entries", "entry_count", type=click.IntRange(0), required=True,
              help="Synthetic entries in force to insert (e.g. 1000000).")
@click.option("--applicants", "applicant_count", type=click.IntRange(0), required=True,
              help="Rows of the applicants' CSV to write.")
@click.option("--hits", "hit_count", type=click.IntRange(0), default=0, show_default=True,
              help="How many applicants are ID hits on entries in force (the rest match nothing).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The applicants' CSV file (姓名,证件类型,证件号码,出生日期,岗位) to write.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed gives the same people. Applicants are guaranteed to miss only the "
                   "entries of this run (run it on a register without other synthetic entries).")
def synthesize_command(entry_count: int, applicant_count: int, hit_count: int, out: Path, seed: int):
    """Insert synthetic entries straight into the database and write an applicants' CSV for a batch.

    For benchmarks and demonstrations only: refused when ONESTOP_ENV=production. The entries are
    active at once (no four-eyes history), with valid resident ID numbers, a mix of categories and
    of bans (ended, running, lifelong); ended bans do not match, so hits are drawn from the others.
    """
    from workflow.registry import synthetic

    try:
        synthetic.refuse_production()
        if hit_count > applicant_count:
            raise click.BadParameter("more hits than applicants", param_hint="--hits")
        start = time.perf_counter()
        out.parent.mkdir(parents=True, exist_ok=True)
        done = synthetic.synthesize(entry_count, applicant_count, hit_count, out, seed=seed)
    except (synthetic.ProductionRefused, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"inserted {done.entries} entries ({done.in_force} in force, {done.ended} with an ended ban, "
               f"{done.lifelong} lifelong bans) in {time.perf_counter() - start:.1f} s "
               f"(of which inserting {done.seconds_insert:.1f} s)")
    click.echo(f"wrote {out}: {applicant_count} applicants, {hit_count} of them hits")


def init_app(app: Flask) -> None:
    for command in (registry_cli,):
        app.cli.add_command(command)
