"""The Alembic migrations: upgrade from empty, downgrade to base, upgrade again, and the migrated
schema matches the models (autogenerate finds nothing to do).

Runs on a database of its own, never on the session's test database: a fresh SQLite file, or on
PostgreSQL (DATABASE_URL / TEST_DATABASE_URL set) a throwaway database `<name>_migrate`, made and
migrated as the owner role when there are two (tests/conftest.py sets TEST_DATABASE_OWNER_URL).
"""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from workflow import ROOT, create_app
from workflow.core import sealing
from workflow.core.extensions import db

MIGRATIONS = str(ROOT / "migrations")
PG_URL = (os.environ.get("TEST_DATABASE_OWNER_URL") or os.environ.get("TEST_DATABASE_URL")
          or os.environ.get("DATABASE_URL", ""))
if PG_URL.startswith(("postgres://", "postgresql://")):
    PG_URL = "postgresql+psycopg://" + PG_URL.split("://", 1)[1]
USE_PG = PG_URL.startswith("postgresql")
EVENT_TRIGGERS = {"events_no_update"} if USE_PG else {"events_no_update", "events_no_delete"}


@pytest.fixture
def migrate_app(tmp_path):
    """An app bound to an empty database of its own."""
    if USE_PG:
        base = make_url(PG_URL)
        name = f"{base.database}_migrate_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        uri = base.set(database=name).render_as_string(hide_password=False)
    else:
        uri = f"sqlite:///{tmp_path / 'migrate.sqlite'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": uri})
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if USE_PG:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def _schema_diff() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(context, db.metadata)


def _event_triggers() -> set[str]:
    """The append-only triggers on `events` (tests/cases/test_wf_history.py shows they bite)."""
    if db.engine.dialect.name == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
    with db.engine.connect() as conn:
        return set(conn.execute(text(sql)).scalars())


def test_upgrade_downgrade_upgrade_and_schema_matches_models(migrate_app):
    assert _tables() == set()
    upgrade(directory=MIGRATIONS)
    model_tables = set(db.metadata.tables)
    assert _tables() == model_tables
    assert _schema_diff() == []
    assert _event_triggers() == EVENT_TRIGGERS

    downgrade(directory=MIGRATIONS, revision="base")
    assert _tables() == set()

    upgrade(directory=MIGRATIONS)
    assert _tables() == model_tables
    assert _schema_diff() == []
    assert _event_triggers() == EVENT_TRIGGERS
    with db.engine.connect() as conn:
        heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert len(heads) == 1


def test_migrations_have_a_single_head(migrate_app):
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config(MIGRATIONS)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_aid_flags_become_aid_applications(migrate_app):
    """Data written before the aid module (aid flags) survives as aid applications."""
    upgrade(directory=MIGRATIONS, revision="b7e1a9c2d3f4")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO agencies (id, name, kind, region) VALUES (1, '检察院', 'procuratorate', ''), "
                          "(2, '中心', 'centre', '')"))
        conn.execute(text("INSERT INTO users (id, username, full_name, sex, password_hash, agency_id, active, "
                          "session_epoch, created_at) VALUES (1, 'p', 'P', 'F', 'x', 1, true, 0, '2026-01-02')"))
        conn.execute(text("INSERT INTO incidents (id, number, offence_type, police_case_no, court_case_no, "
                          "created_at) VALUES (1, 'I2026-0001', 'abuse', '', '', '2026-01-02')"))
        for case_id in (1, 2):
            conn.execute(text(
                "INSERT INTO cases (id, number, incident_id, centre_id, state, definition_version, version, "
                "referral_source, referral_detail, child_name, child_sex, child_birth_date, consent_note, "
                "interview_count, created_at, updated_at) VALUES (:id, :number, 1, 2, 'aid_review', 1, 1, "
                "'police', '', '甲', 'F', '2016-01-01', '', 0, '2026-01-02', '2026-01-02')"),
                {"id": case_id, "number": f"C2026-000{case_id}"})
        conn.execute(text("INSERT INTO aid_flags (case_id, grounds, note, flagged_by_id, flagged_at, concluded_at, "
                          "outcome) VALUES (1, '[\"family_hardship\"]', '困难', 1, '2026-01-03', NULL, NULL), "
                          "(2, '[]', '', 1, '2026-01-03', '2026-02-01', 'rejected')"))
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT case_id, agency_id, state, flag_note, number FROM aid_applications "
                                 "ORDER BY case_id")).all()
    flag_note = lambda blob: sealing.decode_value(sealing.unseal_bytes(blob, "aid_applications.flag_note"))  # noqa: E731
    assert [(*r[:3], flag_note(r[3])) for r in rows] == [(1, 1, "flagged", "困难"), (2, 1, "withdrawn", "")]
    assert rows[0].number.startswith("A2026-")


def _admin_log_triggers() -> set[str]:
    if db.engine.dialect.name == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('admin_changes') AND NOT tgisinternal"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'admin_changes'"
    with db.engine.connect() as conn:
        return set(conn.execute(text(sql)).scalars())


def test_admin_requests_and_the_append_only_admin_log_come_and_go(migrate_app):
    """d5b66f2a1c27: the four-eyes requests and the admin log, whose rows the database refuses to
    change or delete; the downgrade takes tables and triggers away again."""
    upgrade(directory=MIGRATIONS, revision="d5b66f2a1c27")
    assert {"admin_requests", "admin_changes"} <= _tables()
    assert _admin_log_triggers() == ({"admin_changes_no_update"} if USE_PG
                                     else {"admin_changes_no_update", "admin_changes_no_delete"})
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO admin_changes (at, actor_id, actor, object_type, object_id, label, action) "
                          "VALUES ('2026-12-03', NULL, 'command line', 'setting', 'k', 'k', 'update')"))
    for statement in ("UPDATE admin_changes SET action = 'x'", "DELETE FROM admin_changes"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    downgrade(directory=MIGRATIONS, revision="c4a55e1f0b16")
    assert not {"admin_requests", "admin_changes"} & _tables()
    upgrade(directory=MIGRATIONS, revision="d5b66f2a1c27")
    assert _admin_log_triggers()


def test_history_written_before_the_audit_trail_is_folded_into_it(migrate_app):
    """Events of an upgraded database verify: the last migration holds each one's hash."""
    from workflow.audit import chain

    upgrade(directory=MIGRATIONS, revision="e6c77a3b2d38")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO agencies (id, name, kind, region) VALUES (2, '中心', 'centre', '')"))
        conn.execute(text("INSERT INTO incidents (id, number, offence_type, police_case_no, court_case_no, "
                          "created_at) VALUES (1, 'I2026-0001', 'abuse', '', '', '2026-01-02')"))
        conn.execute(text(
            "INSERT INTO cases (id, number, incident_id, centre_id, state, definition_version, version, "
            "referral_source, referral_detail, child_name, child_sex, child_birth_date, consent_note, "
            "interview_count, created_at, updated_at) VALUES (1, 'C2026-0001', 1, 2, 'referred', 1, 1, "
            "'police', '', '甲', 'F', '2016-01-01', '', 0, '2026-01-02', '2026-01-02')"))
        for event_id, action in ((1, "register"), (2, "start_exam")):
            conn.execute(text("INSERT INTO events (id, case_id, action, case_version, changes, created_at) "
                              "VALUES (:id, 1, :action, 1, '{\"child_name\": \"甲\"}', '2026-01-02')"),
                         {"id": event_id, "action": action})
    upgrade(directory=MIGRATIONS)
    report = chain.verify()
    assert report.first_break is None, report.first_break
    assert (report.events, report.records) == (2, 1)
