"""Break-the-glass access to cases (filled in by the break-the-glass work).

Revision ID: e6c77a3b2d38
Revises: d5b66f2a1c27
Create Date: 2026-12-03 13:20:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = 'e6c77a3b2d38'
down_revision = 'd5b66f2a1c27'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
