"""Database roles (workflow/core/privileges.py): on PostgreSQL the app connects as a role that owns no
table, so it can neither switch off the append-only triggers of the history, the audit trail, the
admin log and issued documents nor rewrite their rows; migrations run as the owner and end by
granting the app role exactly its privileges. Production refuses to connect as an owner.

The PostgreSQL tests need the two roles of .ci/run (DATABASE_URL the app's, DATABASE_OWNER_URL the
owner's); the configuration tests run everywhere."""
from __future__ import annotations

import datetime as dt
import hashlib

import helper_modules
import pytest
from flask_migrate import upgrade
from sqlalchemy import LargeBinary, TypeDecorator, func, select, text, type_coerce
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from workflow import ROOT, create_app
from workflow.core import config, privileges
from workflow.core.extensions import db

INSUFFICIENT_PRIVILEGE = "42501"  # SQLSTATE of both "permission denied" and "must be owner"
APP_PRIVILEGES = {"SELECT", "INSERT", "UPDATE", "DELETE"}
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
NOW = dt.datetime(2026, 12, 3, 12, 0)
HASH = "0" * 64


@pytest.fixture
def roles(app, pg_owner):
    """(owner engine, app engine, app role name) on PostgreSQL with two roles; else the test skips."""
    owner = pg_owner.url.username if pg_owner is not None else None
    if db.engine.dialect.name != "postgresql" or owner == db.engine.url.username:
        pytest.skip("needs PostgreSQL with separate owner and app roles (DATABASE_OWNER_URL); .ci/run provides them")
    return pg_owner, db.engine, db.engine.url.username


def _tables(conn) -> set[str]:
    return set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())


def _present(table: str) -> None:
    with db.engine.connect() as conn:
        if table not in _tables(conn):
            pytest.skip(f"{table} is not in this schema yet (its migration is empty)")


def _refused(statement: str, params: dict | None = None) -> str:
    """Run `statement` as the app role; it must fail for want of privilege. The error's message."""
    with db.engine.connect() as conn, pytest.raises(DBAPIError) as caught:
        conn.execute(text(statement), params or {})
    assert caught.value.orig.sqlstate == INSUFFICIENT_PRIVILEGE, caught.value
    return str(caught.value.orig)


def _privileges(conn, role: str) -> dict[str, set[str]]:
    rows = conn.execute(text(
        "SELECT tablename, p.priv FROM pg_tables, unnest(CAST(:privs AS text[])) AS p(priv) "
        "WHERE schemaname = current_schema() AND has_table_privilege(:role, quote_ident(tablename), p.priv)"),
        {"role": role, "privs": list(TABLE_PRIVILEGES)}).all()
    granted: dict[str, set[str]] = {}
    for table, privilege in rows:
        granted.setdefault(table, set()).add(privilege)
    return granted


# --- what the app role cannot do -------------------------------------------------------------------

def test_the_app_role_owns_no_table(roles):
    owner_engine, app_engine, role = roles
    with app_engine.connect() as conn:
        tables = _tables(conn)
        mine = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
                                 "AND pg_has_role(current_user, tableowner, 'MEMBER')")).scalar_one()
        superuser = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one()
    assert {"cases", *privileges.APPEND_ONLY_TABLES} & tables  # the schema is there
    assert (mine, superuser) == (0, False)
    with owner_engine.connect() as conn:
        owners = set(conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema()"))
                     .scalars())
    assert owners == {owner_engine.url.username}
    _refused("CREATE TABLE app_owned (id integer)")  # nor can it make a table of its own


@pytest.mark.parametrize("table", privileges.APPEND_ONLY_TABLES)
def test_the_app_role_cannot_disable_triggers_rewrite_or_remove_append_only_rows(roles, table):
    _present(table)
    for statement in (f"ALTER TABLE {table} DISABLE TRIGGER ALL", f"ALTER TABLE {table} DISABLE TRIGGER USER",
                      f"DROP TABLE {table}"):
        assert "must be owner" in _refused(statement)
    key = next(iter(db.metadata.tables[table].primary_key.columns)).name
    for statement in (f"UPDATE {table} SET {key} = {key}", f"DELETE FROM {table}", f"TRUNCATE {table}"):
        # Refused for want of the privilege, before any trigger is asked.
        assert "permission denied" in _refused(statement)


def _append_only_rows(case, agency_id: int) -> dict[str, dict]:
    """One row for each append-only table, as the application would insert it (in this order: a
    tombstone names the document inserted before it, `None` its id)."""
    return {
        "events": {"case_id": case.id, "action": "probe", "case_version": 99, "changes": {}, "created_at": NOW},
        "admin_changes": {"at": NOW, "actor": "command line", "object_type": "setting", "object_id": "probe",
                          "label": "probe", "action": "update"},
        "audit_records": {"shard": 0, "seq": 10**6, "at": NOW, "session_ref": "", "address": "", "action": "probe",
                          "kind": "system", "object_ids": [], "outcome": "allowed", "details": {},
                          "content_hash": HASH, "chain_hash": HASH, "mac": HASH},
        "audit_checkpoints": {"shard": 0, "seq": 10**6, "chain_hash": HASH, "at": NOW, "signature": HASH},
        "documents": {"key": "probe", "version": 1, "kind": "probe", "title": "probe", "recipient": "internal",
                      "status": "draft", "case_id": case.id, "agency_id": agency_id, "template": "probe",
                      "template_version": 1, "locale": "en", "data": {}, "sha256": "f" * 64, "code": "PROBE00000",
                      "size": 0, "pages": 0, "storage_key": "probe", "generated_at": NOW},
        "document_tombstones": {"document_id": None, "destroyed_at": NOW, "reason": "retention"},
    }


def _stored(column, value):
    """A sealed column takes bytes as stored: the probe is about privileges, not about sealing."""
    if isinstance(column.type, TypeDecorator) and isinstance(column.type.impl_instance, LargeBinary):
        return type_coerce(b"probe", LargeBinary)
    return value


def test_the_app_role_appends_to_and_reads_append_only_tables(roles, make_case, users):
    _owner, app_engine, _role = roles
    case = make_case("referred")
    rows = _append_only_rows(case, users["intake_officer"].agency_id)
    assert set(rows) == set(privileges.APPEND_ONLY_TABLES)
    with app_engine.connect() as conn:
        present = _tables(conn)
        document_id = None
        for name, values in rows.items():
            if name not in present:
                continue
            table = db.metadata.tables[name]
            key = next(iter(table.primary_key.columns))
            values = {k: _stored(table.c[k], document_id if v is None else v) for k, v in values.items()}
            new_key = conn.execute(table.insert().values(**values).returning(key)).scalar_one()
            assert conn.execute(select(func.count()).select_from(table).where(key == new_key)).scalar_one() == 1
            document_id = new_key if name == "documents" else document_id
        conn.rollback()


def test_ordinary_tables_are_writable_and_the_schema_version_only_readable(roles, make_case):
    _owner, app_engine, _role = roles
    case = make_case("referred")
    with app_engine.connect() as conn:
        # A sequence's next value (USAGE), then UPDATE and DELETE of ordinary rows.
        agency = conn.execute(text("INSERT INTO agencies (name, kind, region) VALUES ('探针', 'centre', '') "
                                   "RETURNING id")).scalar_one()
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('probe', '1')"))
        assert conn.execute(text("UPDATE settings SET value = '2' WHERE key = 'probe'")).rowcount == 1
        assert conn.execute(text("UPDATE cases SET updated_at = updated_at WHERE id = :id"), {"id": case.id}).rowcount
        assert conn.execute(text("DELETE FROM settings WHERE key = 'probe'")).rowcount == 1
        assert conn.execute(text("DELETE FROM agencies WHERE id = :id"), {"id": agency}).rowcount == 1
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.rollback()
    assert "permission denied" in _refused("UPDATE alembic_version SET version_num = version_num")
    assert "permission denied" in _refused("TRUNCATE cases")  # no TRUNCATE anywhere


# --- the grants --------------------------------------------------------------------------------------

def _expected(tables: set[str]) -> dict[str, set[str]]:
    return {table: ({"SELECT", "INSERT"} if table in privileges.APPEND_ONLY_TABLES
                    else {"SELECT"} if table in privileges.READ_ONLY_TABLES else APP_PRIVILEGES)
            for table in tables}


def test_the_grants_command_gives_exactly_the_app_privileges_and_is_idempotent(roles, runner):
    owner_engine, _app, role = roles
    with owner_engine.begin() as conn:  # something granted by hand, beyond the app's needs
        conn.execute(text(f'GRANT TRUNCATE, TRIGGER ON cases, events TO "{role}"'))
        tables = _tables(conn)
    for _ in range(2):
        result = runner.invoke(args=["db-grants"])
        assert result.exit_code == 0, result.output
        assert role in result.output and "no TRUNCATE" in result.output
        with owner_engine.connect() as conn:
            assert _privileges(conn, role) == _expected(tables)


def test_the_grants_command_explains_what_it_needs(app, runner):
    if db.engine.dialect.name != "postgresql":
        result = runner.invoke(args=["db-grants"])
        assert result.exit_code != 0 and "SQLite has no database roles" in result.output
    else:
        result = runner.invoke(args=["db-grants", "--role", "no_such_role_17"])
        assert result.exit_code != 0 and "'no_such_role_17' does not exist" in result.output
    assert "INSERT and SELECT only" in " ".join(runner.invoke(args=["db-grants", "--help"]).output.split())


def test_every_upgrade_grants_on_tables_it_finds(roles):
    """A table a later migration adds gets the app role's privileges from the upgrade that adds it."""
    owner_engine, _app, _role = roles
    with owner_engine.begin() as conn:
        conn.execute(text("CREATE TABLE grants_probe (id serial PRIMARY KEY, note text)"))
    try:
        _refused("INSERT INTO grants_probe (note) VALUES ('x')")
        upgrade(directory=str(ROOT / "migrations"))  # at head already: migrates nothing, grants all
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO grants_probe (note) VALUES ('x')"))
            assert conn.execute(text("DELETE FROM grants_probe")).rowcount == 1
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("DROP TABLE grants_probe"))


# --- production refuses an owner -------------------------------------------------------------------

def test_production_refuses_to_connect_as_a_role_that_owns_tables(roles, monkeypatch):
    owner_engine, _app, _role = roles
    good = helper_modules.load("security/test_production_config.py").GOOD
    keys = {"AUDIT_KEY": hashlib.sha256(b"onestop tests: audit key").hexdigest(), **good}
    for name, value in {**keys, "ONESTOP_ENV": "production", "ONESTOP_ESCALATION_RUNNER": "off",
                        "DATABASE_URL": owner_engine.url.render_as_string(hide_password=False)}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match="owns") as refusal:
        create_app()
    message = str(refusal.value)
    assert "\n" not in message and owner_engine.url.username in message and "DATABASE_OWNER_URL" in message


def test_production_starts_as_the_app_role(roles, app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    privileges.check_app_role()  # no refusal: the app role owns nothing


# --- configuration (everywhere) --------------------------------------------------------------------

@pytest.mark.parametrize("settings, role", [
    ({}, ""),  # one role: nothing to grant
    ({"DATABASE_OWNER_URI": "postgresql+psycopg://owner:p@h/db"}, "app"),
    ({"DATABASE_OWNER_URI": "postgresql+psycopg://app:p@h/db"}, ""),  # the same user
    ({"DATABASE_OWNER_URI": "postgresql+psycopg://owner:p@h/db", "DATABASE_APP_ROLE": "web"}, "web"),
])
def test_the_app_role_defaults_to_the_app_url_user(settings, role):
    assert privileges.app_role({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://app:p@h/db", **settings}) == role


def test_migrations_connect_as_the_owner(app, monkeypatch):
    monkeypatch.setitem(app.config, "DATABASE_OWNER_URI", "postgresql+psycopg://owner:p@127.0.0.1:1/x")
    assert make_url(privileges.migration_engine().url).username == "owner"
    monkeypatch.setitem(app.config, "DATABASE_OWNER_URI", "")
    assert privileges.migration_engine() is db.engine


def test_the_owner_url_must_name_the_app_database(monkeypatch):
    monkeypatch.delenv("ONESTOP_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://app:p@db.example:5432/onestop")
    monkeypatch.setenv("DATABASE_OWNER_URL", "postgresql://owner:p@db.example:5432/onestop")
    settings = config.load("/tmp")
    assert settings["DATABASE_OWNER_URI"] == "postgresql+psycopg://owner:p@db.example:5432/onestop"
    config.check_production(settings)  # same database, another user: fine
    settings["DATABASE_OWNER_URI"] = "postgresql+psycopg://owner:p@db.example:5432/onestop_test"
    with pytest.raises(RuntimeError, match="DATABASE_OWNER_URL must name the same database as DATABASE_URL"):
        config.check_production(settings)
