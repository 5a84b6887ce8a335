"""Bulk-read detection: alerts and read suspensions.

Revision ID: a17a0d170004
Revises: a17a0d170003
Create Date: 2026-12-03 17:00:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = 'a17a0d170004'
down_revision = 'a17a0d170003'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
