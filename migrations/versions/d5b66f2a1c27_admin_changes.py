"""Four-eyes requests and the admin log (filled in by the admin-separation work).

Revision ID: d5b66f2a1c27
Revises: c4a55e1f0b16
Create Date: 2026-12-03 13:20:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = 'd5b66f2a1c27'
down_revision = 'c4a55e1f0b16'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
