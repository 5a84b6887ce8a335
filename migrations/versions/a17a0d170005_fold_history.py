"""Fold the case history written before the audit trail into it: system records that hold each
existing event's hash, so that `flask audit verify` checks the whole history. Last of the issue's
migrations: the ones before it seal the history's values, which changes the rows.

Revision ID: a17a0d170005
Revises: a17a0d170004
Create Date: 2026-12-03 17:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

# revision identifiers, used by Alembic.
revision = 'a17a0d170005'
down_revision = 'a17a0d170004'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    # The app's chain code, with the AUDIT_KEY of the app running the upgrade (`flask db upgrade`).
    from workflow.audit import chain

    bind = op.get_bind()
    session = Session(bind=bind)
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM events ORDER BY id"))]
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        chain.append({"user_id": None, "action": "migration.fold_history", "kind": "system", "outcome": "allowed",
                      "details": {"events": chain.event_hashes(batch, session)}}, session)
    session.flush()


def downgrade():
    pass  # the records stay: the trail is append-only
