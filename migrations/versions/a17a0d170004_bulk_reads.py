"""Bulk-read detection: on each account, its last warning, the suspension of its reading and its
release by a reviewer (the counts are in the audit trail's alert records); notifications about an account (the warning
and the suspension), which carry the account as `actor_id` and their counts in `details`.

Revision ID: a17a0d170004
Revises: a17a0d170003
Create Date: 2026-12-03 17:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a17a0d170004'
down_revision = 'a17a0d170003'
branch_labels = None
depends_on = None

# workflow.inbox.models when this migration was written.
TASK_NOTICE_KINDS = ("due_soon", "overdue", "escalated")
CASE_NOTICE_KINDS = ("break_glass",)
ACCOUNT_NOTICE_KINDS = ("bulk_read", "reads_suspended")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _notice_checks(batch_op, account_kinds):
    batch_op.create_check_constraint(op.f('ck_notifications_kind'),
                                     _one_of('kind', TASK_NOTICE_KINDS + CASE_NOTICE_KINDS + account_kinds))
    subject = (f"({_one_of('kind', TASK_NOTICE_KINDS)} AND task_id IS NOT NULL AND task_due_at IS NOT NULL)"
               f" OR ({_one_of('kind', CASE_NOTICE_KINDS)} AND case_id IS NOT NULL)")
    if account_kinds:
        subject += f" OR {_one_of('kind', account_kinds)}"
    batch_op.create_check_constraint(op.f('ck_notifications_subject'), subject)


def upgrade():
    # Existing accounts start unsuspended and never warned (all NULL).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reads_alerted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reads_suspended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reads_released_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))
        batch_op.drop_constraint(op.f('ck_notifications_subject'), type_='check')
        batch_op.drop_constraint(op.f('ck_notifications_kind'), type_='check')
        _notice_checks(batch_op, ACCOUNT_NOTICE_KINDS)


def downgrade():
    # Notices about accounts fit no kind of the older schema: they go with their column.
    op.execute(sa.text(f"DELETE FROM notifications WHERE {_one_of('kind', ACCOUNT_NOTICE_KINDS)}"))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_subject'), type_='check')
        batch_op.drop_constraint(op.f('ck_notifications_kind'), type_='check')
        _notice_checks(batch_op, ())
        batch_op.drop_column('details')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('reads_released_at')
        batch_op.drop_column('reads_suspended_at')
        batch_op.drop_column('reads_alerted_at')
