"""The case's state is checked by the database, like the aid application's: both CHECK
constraints list the states of their process definition (the models derive them from it).

Revision ID: 3c5e2f4a9b10
Revises: e534ad743d99
Create Date: 2026-12-03 08:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c5e2f4a9b10'
down_revision = 'e534ad743d99'
branch_labels = None
depends_on = None

# The states of workflow.cases.definition.CASE (version 1) when this migration was written.
CASE_STATES = ("referred", "registered", "forensic_exam", "joint_interview", "psych_intervention", "aid_review",
               "follow_up", "closure_review", "closed", "withdrawn")


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_cases_state'), f"state IN ({', '.join(repr(s) for s in CASE_STATES)})")


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_state'), type_='check')
