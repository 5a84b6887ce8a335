"""Clocks: the working-day calendar, notifications, and the clock columns of tasks.

The holiday data itself is loaded by `flask calendar-load` (the Makefile's `db` target), not here:
a migration must not change with next year's holiday file.

Revision ID: 230882603537
Revises: 74af56f8b013
Create Date: 2026-11-23 09:57:58.829220

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '230882603537'
down_revision = '74af56f8b013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('paused_seconds', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('extended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('due_soon_notified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('overdue_notified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))

    op.execute("UPDATE tasks SET started_at = opened_at")
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.alter_column('started_at', existing_type=sa.DateTime(), nullable=False)

    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f('ck_calendar_days_kind')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('task_due_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('emailed_at', sa.DateTime(), nullable=True),
    sa.Column('email_attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('email_error', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('due_soon', 'overdue', 'escalated')", name=op.f('ck_notifications_kind')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_notifications_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'task_id', 'kind', 'task_due_at', name='uq_notifications_once')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_task_id'), ['task_id'], unique=False)
        batch_op.create_index('ix_notifications_unread', ['user_id', 'read_at'], unique=False)



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('overdue_notified_at')
        batch_op.drop_column('due_soon_notified_at')
        batch_op.drop_column('extended_at')
        batch_op.drop_column('paused_seconds')
        batch_op.drop_column('started_at')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_unread')
        batch_op.drop_index(batch_op.f('ix_notifications_task_id'))

    op.drop_table('notifications')
    op.drop_table('calendar_days')
