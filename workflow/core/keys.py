"""The keys that seal and hash data at rest: the check at start that they are the ones the stored
data was sealed and hashed with, `flask --app wsgi keys status` (which key seals how many values
of each table) and `keys rotate` (re-seal everything under the current key, resumably)."""
from __future__ import annotations

import hmac
from collections import Counter

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import LargeBinary, inspect, literal, select, type_coerce, update
from sqlalchemy.exc import IntegrityError

from workflow.core import sealing
from workflow.core.extensions import db
from workflow.core.models import Setting

_KEY_CHECK_LABEL = b"onestop-key-check-v1"
BATCH = 500


# --- the check at start ---------------------------------------------------------------------------

def check_value(key: bytes) -> str:
    """A value that tells keys apart without revealing them (an HMAC of a fixed label)."""
    return hmac.digest(key, _KEY_CHECK_LABEL, "sha256").hex()


def check_values() -> dict:
    return {"SEALING_KEYS": {str(kid): check_value(key) for kid, key in sealing.key_ring().items()},
            "REGISTRY_HMAC_KEY": check_value(sealing.hmac_key())}


def _refuse(label: str) -> None:
    raise RuntimeError(f"{label} is not the key this database's data was sealed and hashed with; start with that "
                       f"key (for a new, empty database delete the settings row '{sealing.KEY_CHECK}')")


def _label(name: str) -> str:
    """The configuration a probe's failing key comes from."""
    if name == "REGISTRY_ENCRYPTION_KEY":
        return sealing.key_label()
    return name if current_app.config.get(name) else f"{name} (unset: derived from SECRET_KEY)"


def check_keys() -> None:
    """Refuse to start with keys other than those the database's data was sealed and hashed with:
    a wrong key would otherwise start and fail every read of a sealed value. The first start on a
    migrated database records them, once the features' probes found that the keys open the data
    already there; a master key id seen for the first time (a rotation's new key) is recorded
    beside the others, and one no longer configured is no longer checked. Before the migrations
    that seal identities there is nothing to check."""
    if not inspect(db.engine).has_table(sealing.CaseKey.__tablename__):
        return
    expected = check_values()
    stored = db.session.get(Setting, sealing.KEY_CHECK)
    if stored is None:
        for probe in sealing.KEY_PROBES:
            wrong = probe()
            if wrong is not None:
                db.session.rollback()
                _refuse(_label(wrong))
        db.session.add(Setting(key=sealing.KEY_CHECK, value=expected))
        try:
            db.session.commit()
            return
        except IntegrityError:  # another process starting at the same time recorded them first
            db.session.rollback()
            stored = db.session.get(Setting, sealing.KEY_CHECK)
    value = stored.value or {}
    recorded = value.get("SEALING_KEYS") or {}
    for kid, check in expected["SEALING_KEYS"].items():
        if kid in recorded and recorded[kid] != check:
            _refuse(sealing.key_label(int(kid)))
    if value.get("REGISTRY_HMAC_KEY") != expected["REGISTRY_HMAC_KEY"]:
        _refuse(_label("REGISTRY_HMAC_KEY"))
    if set(expected["SEALING_KEYS"]) - set(recorded):
        stored.value = {**value, "SEALING_KEYS": {**expected["SEALING_KEYS"], **recorded}}
        db.session.commit()


# --- what is sealed where -------------------------------------------------------------------------

def _sealed_columns(table) -> list[tuple]:
    """(column, purpose or None for case-keyed columns) of the table's sealed columns."""
    found = []
    for column in table.columns:
        if isinstance(column.type, sealing.Sealed):
            found.append((column, None if column.type.case_key else column.type.purpose))
        elif column.info.get("sealed"):
            found.append((column, column.info["sealed"]))
    return found


def _tables() -> list[tuple]:
    return [(table, columns) for table in db.metadata.sorted_tables if (columns := _sealed_columns(table))]


def _rows(table, columns, batch: int):
    """The table's rows (primary key, stored blobs) in batches of `batch`, by primary key."""
    (pk,) = table.primary_key.columns
    stored = [type_coerce(column, LargeBinary).label(column.name) for column, _purpose in columns]
    last = None
    while True:
        stmt = select(pk, *stored).order_by(pk).limit(batch)
        rows = db.session.execute(stmt if last is None else stmt.where(pk > last)).all()
        yield rows
        if len(rows) < batch:
            return
        last = rows[-1][0]


def status() -> dict[str, dict[str, int]]:
    """{table or store: {"key 1" | "case key" | "unsealed": values}}."""
    counts: dict[str, dict[str, int]] = {}
    for table, columns in _tables():
        seen = Counter(label for rows in _rows(table, columns, BATCH) for row in rows
                       for label in map(sealing.seal_label, row[1:]) if label)
        counts[table.name] = dict(sorted(seen.items()))
    keys = sealing.CaseKey
    counts[keys.__tablename__] = {f"key {kid}": n for kid, n in db.session.execute(
        select(keys.key_id, db.func.count()).group_by(keys.key_id).order_by(keys.key_id))}
    for extra in sealing.RESEALERS:
        counts[extra.name] = dict(sorted(extra.count().items()))
    return counts


# --- rotation -------------------------------------------------------------------------------------

def _unchanged(table) -> dict:
    """Columns an UPDATE would otherwise stamp (updated_at): re-sealing is no change of the row."""
    return {column.name: column for column in table.columns if column.onupdate is not None}


def _rotate_table(table, columns, batch: int) -> int:
    (pk,) = table.primary_key.columns
    done = 0
    for rows in _rows(table, columns, batch):
        for row in rows:
            for (column, purpose), blob in zip(columns, row[1:]):
                new = sealing.resealed(blob, purpose) if purpose else None
                if new is None:
                    continue
                stored = type_coerce(column, LargeBinary)
                # Only if nobody changed the value meanwhile (their new value is sealed under the current key).
                done += db.session.execute(
                    update(table).where(pk == row[0], stored == literal(bytes(blob), LargeBinary()))
                    .values({column.name: literal(new, LargeBinary()), **_unchanged(table)})).rowcount
        db.session.commit()
    return done


def _rewrap(batch: int) -> int:
    """Data keys sealed under another key than the current one, sealed again (what they seal stays)."""
    table, current, done = sealing.CaseKey.__table__, sealing.current_key_id(), 0
    while True:
        rows = db.session.execute(select(table.c.id, table.c.case_id, table.c.wrapped).where(
            table.c.key_id != current).order_by(table.c.id).limit(batch)).all()
        for row in rows:
            new = sealing.resealed(row.wrapped, sealing.wrap_purpose(row.case_id))
            done += db.session.execute(update(table).where(table.c.id == row.id, table.c.wrapped == row.wrapped)
                                       .values(wrapped=new, key_id=current)).rowcount
        db.session.commit()
        if len(rows) < batch:
            return done


def rotate(batch: int = BATCH, echo=lambda _line: None) -> dict[str, int]:
    """Re-seal every value sealed under another master key than the current one, table by table in
    batches, committing each: a run that stops half-way is simply run again and re-seals only what
    is left (a value under the current key is never sealed twice). Returns {table: values}."""
    if not sealing.sealing_enabled():
        raise click.ClickException("ONESTOP_SEALING is off: nothing would be sealed")
    done = {}
    for table, columns in _tables():
        if any(purpose for _column, purpose in columns):
            done[table.name] = _rotate_table(table, columns, batch)
            echo(f"{table.name}: {done[table.name]} re-sealed")
    done[sealing.CaseKey.__tablename__] = _rewrap(batch)
    echo(f"{sealing.CaseKey.__tablename__}: {done[sealing.CaseKey.__tablename__]} re-wrapped")
    for extra in sealing.RESEALERS:
        done[extra.name] = extra.rotate(batch)
        echo(f"{extra.name}: {done[extra.name]} re-sealed")
    return done


# --- commands -------------------------------------------------------------------------------------

keys_group = AppGroup("keys", help="The keys that seal identities and notes at rest: which seals what, and "
                                   "rotation to a new key (ONESTOP_SEALING_KEYS).")


@keys_group.command("status")
def status_command():
    """Print, per table, how many sealed values are under which master key id (and how many under
    case keys, or unsealed); and under which key the case keys are wrapped."""
    click.echo(f"current key id: {sealing.current_key_id()} (configured: "
               f"{', '.join(map(str, sealing.key_ring()))})")
    for name, counts in status().items():
        click.echo(f"{name}: " + (", ".join(f"{label}: {n}" for label, n in counts.items()) or "nothing sealed"))


@keys_group.command("rotate")
@click.option("--batch-size", default=BATCH, show_default=True, type=click.IntRange(min=1),
              help="Rows re-sealed per transaction.")
def rotate_command(batch_size: int):
    """Re-seal every value whose key id is not the current one (the first of ONESTOP_SEALING_KEYS):
    sealed columns of every table, register entries and inquiries, second-factor secrets, emergency
    reasons, sealed document files, and the wrapping of the case keys (what they seal stays as it
    is). Batches are committed one by one: if the run stops, run it again; it goes on with what is
    left. Once `keys status` shows nothing under the old key, remove it from ONESTOP_SEALING_KEYS."""
    done = rotate(batch_size, click.echo)
    click.echo(f"done: {sum(done.values())} values under key id {sealing.current_key_id()}")
