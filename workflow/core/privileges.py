"""Database roles on PostgreSQL: the application connects as a role that owns no table, migrations
run as the owner. Only a table's owner can alter it or disable its triggers, so the app role, which
may only append to and read the history, the audit trail, the admin log and issued documents, can
neither switch their append-only triggers off nor rewrite them. SQLite has no roles: nothing here
applies to it.

The grants are applied at the end of every migration run (migrations/env.py), in its transaction,
so a table a later migration adds has its privileges from the moment it exists; `flask --app wsgi
db-grants` applies them on demand."""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from workflow.core.extensions import db

log = logging.getLogger(__name__)

# INSERT and SELECT only: case history, the audit trail, the admin log, issued documents and the
# tombstones of destroyed ones. Tables of this list that a database does not have yet (before their
# migration) are skipped.
APPEND_ONLY_TABLES = ("events", "audit_records", "audit_checkpoints", "admin_changes", "documents",
                      "document_tombstones")
# SELECT only: the schema's version is the migrations' business.
READ_ONLY_TABLES = ("alembic_version",)


def app_role(config) -> str:
    """The role to grant to: DATABASE_APP_ROLE, else DATABASE_URL's user when DATABASE_OWNER_URL
    connects as another; "" when the app and the migrations are one role (nothing to grant)."""
    if config.get("DATABASE_APP_ROLE"):
        return config["DATABASE_APP_ROLE"]
    owner = config.get("DATABASE_OWNER_URI")
    if not owner:
        return ""
    app_user = make_url(config["SQLALCHEMY_DATABASE_URI"]).username or ""
    return app_user if app_user != make_url(owner).username else ""


def migration_engine() -> Engine:
    """What migrations connect with: the owner's URL when one is set, else the app's engine."""
    owner = current_app.config.get("DATABASE_OWNER_URI")
    if not owner:
        return db.engine
    return create_engine(owner, poolclass=NullPool)  # one command's connection, closed after it


def grant(connection: Connection, role: str) -> dict:
    """Give `role` exactly the app's privileges on the current schema's tables and sequences, taking
    away any others (idempotent). `connection` must be the tables' owner's; the caller commits."""
    me = connection.execute(text("SELECT current_user")).scalar_one()
    if role == me:
        raise RuntimeError(f"the app role {role!r} is the role that runs the migrations: it would own the "
                           "tables; connect the app as another role (DATABASE_URL) or unset DATABASE_APP_ROLE")
    if connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
        raise RuntimeError(f"the app role {role!r} does not exist: CREATE ROLE {role} LOGIN PASSWORD '…' "
                           "(README, Database roles)")
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    tables = set(connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"),
                                    {"s": schema}).scalars())
    quote = connection.dialect.identifier_preparer.quote
    who, where = quote(role), quote(schema)
    append_only = [t for t in APPEND_ONLY_TABLES if t in tables]
    read_only = [t for t in READ_ONLY_TABLES if t in tables]
    statements = [
        # From nothing, in this transaction: nobody sees the tables with more or less in between.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM {who}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {where} FROM {who}",
        f"REVOKE CREATE ON SCHEMA {where} FROM {who}",
        f"GRANT USAGE ON SCHEMA {where} TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {where} TO {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {who}",
    ]
    if append_only:
        statements.append(f"REVOKE UPDATE, DELETE ON {', '.join(map(quote, append_only))} FROM {who}")
    if read_only:
        statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {', '.join(map(quote, read_only))} FROM {who}")
    for statement in statements:
        connection.execute(text(statement))
    return {"role": role, "schema": schema, "tables": len(tables), "append_only": append_only,
            "read_only": read_only}


def grant_after_migrations(connection: Connection) -> None:
    """migrations/env.py, in the migrations' transaction: the grants, when there is an app role."""
    role = app_role(current_app.config)
    if role and connection.dialect.name == "postgresql":
        done = grant(connection, role)
        log.info("granted %s the app's privileges on %d tables of %s (INSERT and SELECT only: %s)", role,
                 done["tables"], done["schema"], ", ".join(done["append_only"]) or "none")


def check_app_role() -> None:
    """Production on PostgreSQL refuses to connect as a role that owns tables (or may act as their
    owner: a member of the owner role, a superuser), since that role could switch off the
    append-only triggers. One cheap query at start; before the first migration there is nothing."""
    if current_app.config["ENV_NAME"] != "production" or db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect() as conn:
        user, owned = conn.execute(text(
            "SELECT current_user, count(*) FROM pg_tables WHERE schemaname = current_schema() "
            "AND pg_has_role(current_user, tableowner, 'MEMBER')")).one()
    if owned:
        raise RuntimeError(f"ONESTOP_ENV=production: the app connects to PostgreSQL as {user}, which owns (or may "
                           f"act as the owner of) {owned} tables; connect as a role that owns none (DATABASE_URL) "
                           "and run migrations as the owner (DATABASE_OWNER_URL): README, Database roles")
