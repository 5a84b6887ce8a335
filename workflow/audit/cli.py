"""`flask --app wsgi audit ...`: verify the trail and the history, print recent records, sign the
chains' heads."""
from __future__ import annotations

import datetime as dt
import sys

import click
from flask import Flask
from sqlalchemy import select

from workflow.admin.models import User
from workflow.audit import chain
from workflow.audit.models import AuditRecord
from workflow.core.extensions import db


@click.group("audit")
def audit_group():
    """The audit trail: verify it, show records, sign checkpoints (see docs/security.md)."""


@audit_group.command("verify")
def verify_command():
    """Walk every chain of the audit trail and the case history folded into it.

    Recomputes each record's content hash, its link to the record before it and its signature
    under AUDIT_KEY, checks the signed checkpoints, then checks every history event against the
    hash its audit record holds. Prints the first record found modified, deleted, inserted or
    moved, and exits with status 1; exits 0 when everything verifies.
    """
    report = chain.verify()
    if report.first_break is not None:
        click.echo(f"audit verify: FAILED at {report.first_break}", err=True)
        click.echo(f"(verified before the break: {report.records} records, {report.events} history events)", err=True)
        sys.exit(1)
    click.echo(f"audit verify: OK — {report.records} records in {report.checkpoints} signed checkpoints' chains, "
               f"{report.events} history events; {report.unsigned_tail} records after the last checkpoints")


@audit_group.command("checkpoint")
def checkpoint_command():
    """Sign the head of every chain that no checkpoint covers yet (the escalation runner does this
    on each run; records after a chain's last checkpoint are protected by their signatures only)."""
    signed = chain.checkpoint_all()
    db.session.commit()
    click.echo(f"{signed} checkpoint(s) signed")


def _since(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO date or time (e.g. 2026-12-01 or 2026-12-01T08:00)",
                                 param_hint="--since") from exc
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


@audit_group.command("show")
@click.option("--user", "username", default=None, help="Only this user's records (username).")
@click.option("--case", "case_id", type=int, default=None, help="Only records about this case (its id).")
@click.option("--since", default=None, metavar="ISO-TIME", help="Only records from this UTC time on.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True, help="At most this many.")
def show_command(username, case_id, since, limit):
    """Print recent audit records, newest first: time, user, action, object, outcome, address."""
    query = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
    if username is not None:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.BadParameter(f"no user {username!r}", param_hint="--user")
        query = query.where(AuditRecord.user_id == user.id)
    if case_id is not None:
        query = query.where(AuditRecord.case_id == case_id)
    moment = _since(since)
    if moment is not None:
        query = query.where(AuditRecord.at >= moment)
    records = db.session.scalars(query).all()
    names = {row.id: row.username for row in db.session.execute(
        select(User.id, User.username).where(User.id.in_({r.user_id for r in records if r.user_id})))}
    for r in records:
        target = f"{r.object_type}:{','.join(map(str, r.object_ids))}" if r.object_type else "-"
        case = f" case {r.case_id}" if r.case_id else ""
        click.echo(f"{r.at:%Y-%m-%d %H:%M:%S} {names.get(r.user_id, '-'):<16} {r.kind:<12} {r.action:<32} "
                   f"{target}{case} {r.outcome} {r.address or '-'}")
    if not records:
        click.echo("no records")


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_group)
