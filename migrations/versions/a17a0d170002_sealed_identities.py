"""Identities and sensitive notes sealed at rest, blind indexes for search, per-case keys.

Revision ID: a17a0d170002
Revises: a17a0d170001
Create Date: 2026-12-03 17:00:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = 'a17a0d170002'
down_revision = 'a17a0d170001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
