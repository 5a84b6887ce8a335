"""Break-the-glass access to cases: one row per use (who, which case, the sealed reason, how long,
the supervisor's review), and notifications that are notices about a case instead of a task's
clock (the supervisors are told of each use at once).

Revision ID: e6c77a3b2d38
Revises: d5b66f2a1c27
Create Date: 2026-12-03 13:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e6c77a3b2d38'
down_revision = 'd5b66f2a1c27'
branch_labels = None
depends_on = None

# workflow.inbox.models and workflow.emergency.labels when this migration was written.
TASK_NOTICE_KINDS = ("due_soon", "overdue", "escalated")
CASE_NOTICE_KINDS = ("break_glass",)
REVIEW_STATES = ("pending", "confirmed", "flagged")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table(
        'emergency_accesses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('roles', sa.JSON(), nullable=False),
        sa.Column('reason', sa.LargeBinary(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('review_state', sa.String(length=10), server_default='pending', nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('review_note', sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(_one_of('review_state', REVIEW_STATES), name=op.f('ck_emergency_accesses_review_state')),
        sa.CheckConstraint('expires_at > started_at', name=op.f('ck_emergency_accesses_expires_after_start')),
        sa.CheckConstraint("(review_state = 'pending') = (reviewed_at IS NULL)",
                           name=op.f('ck_emergency_accesses_reviewed_when_decided')),
        sa.CheckConstraint('(reviewed_at IS NULL) = (reviewed_by_id IS NULL)',
                           name=op.f('ck_emergency_accesses_reviewed_by_someone')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_emergency_accesses_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'],
                                name=op.f('fk_emergency_accesses_reviewed_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_emergency_accesses_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_accesses')),
    )
    with op.batch_alter_table('emergency_accesses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_accesses_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_emergency_accesses_live', ['user_id', 'case_id', 'expires_at'], unique=False)

    # A notice about a case has no task: task and due time become optional, the case and who
    # acted come in, and a CHECK says which kinds carry which.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.alter_column('task_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('task_due_at', existing_type=sa.DateTime(), nullable=True)
        batch_op.alter_column('kind', existing_type=sa.String(length=10), type_=sa.String(length=20),
                              existing_nullable=False)
        batch_op.drop_constraint(op.f('ck_notifications_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_kind'),
                                         _one_of('kind', TASK_NOTICE_KINDS + CASE_NOTICE_KINDS))
        batch_op.create_check_constraint(
            op.f('ck_notifications_subject'),
            f"({_one_of('kind', TASK_NOTICE_KINDS)} AND task_id IS NOT NULL AND task_due_at IS NOT NULL)"
            f" OR ({_one_of('kind', CASE_NOTICE_KINDS)} AND case_id IS NOT NULL)")
        batch_op.create_foreign_key(batch_op.f('fk_notifications_case_id_cases'), 'cases', ['case_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_notifications_actor_id_users'), 'users', ['actor_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_notifications_case_id'), ['case_id'], unique=False)


def downgrade():
    # Notices about cases cannot be clock notifications: they go with their columns.
    op.execute(sa.text(f"DELETE FROM notifications WHERE {_one_of('kind', CASE_NOTICE_KINDS)}"))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_case_id'))
        batch_op.drop_constraint(batch_op.f('fk_notifications_actor_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notifications_case_id_cases'), type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_notifications_subject'), type_='check')
        batch_op.drop_constraint(op.f('ck_notifications_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_kind'), _one_of('kind', TASK_NOTICE_KINDS))
        batch_op.alter_column('kind', existing_type=sa.String(length=20), type_=sa.String(length=10),
                              existing_nullable=False)
        batch_op.alter_column('task_due_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('task_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('actor_id')
        batch_op.drop_column('case_id')

    with op.batch_alter_table('emergency_accesses', schema=None) as batch_op:
        batch_op.drop_index('ix_emergency_accesses_live')
        batch_op.drop_index(batch_op.f('ix_emergency_accesses_case_id'))
    op.drop_table('emergency_accesses')
