"""Four-eyes requests and the admin log: changes to an account that widen access wait for a second
administrator (admin_requests); every administrator's change is recorded (admin_changes, which the
database keeps append-only: it refuses UPDATE and DELETE).

Revision ID: d5b66f2a1c27
Revises: c4a55e1f0b16
Create Date: 2026-12-03 13:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd5b66f2a1c27'
down_revision = 'c4a55e1f0b16'
branch_labels = None
depends_on = None

REQUEST_KINDS = ("roles", "aid_level", "agency", "reset_second_factor")
REQUEST_STATES = ("pending", "approved", "rejected", "withdrawn")
OBJECT_TYPES = ("user", "role", "agency", "setting", "wage", "calendar_day", "request", "session", "lock")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table(
        'admin_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('change', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(_one_of('kind', REQUEST_KINDS), name=op.f('ck_admin_requests_kind')),
        sa.CheckConstraint(_one_of('state', REQUEST_STATES), name=op.f('ck_admin_requests_state')),
        sa.CheckConstraint('requested_by_id <> user_id', name=op.f('ck_admin_requests_not_for_oneself')),
        sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> requested_by_id',
                           name=op.f('ck_admin_requests_four_eyes')),
        sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> user_id',
                           name=op.f('ck_admin_requests_not_about_oneself')),
        sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name=op.f('ck_admin_requests_decided_at')),
        sa.CheckConstraint("(state IN ('approved', 'rejected')) = (decided_by_id IS NOT NULL)",
                           name=op.f('ck_admin_requests_decided_by')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_admin_requests_user_id_users')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_admin_requests_requested_by_id_users')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_admin_requests_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_requests')),
    )
    with op.batch_alter_table('admin_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_requests_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_admin_requests_pending', ['user_id', 'kind'], unique=True,
                              sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))

    op.create_table(
        'admin_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('object_type', sa.String(length=20), nullable=False),
        sa.Column('object_id', sa.String(length=120), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=24), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.CheckConstraint(_one_of('object_type', OBJECT_TYPES), name=op.f('ck_admin_changes_object_type')),
        sa.CheckConstraint("actor_id IS NOT NULL OR actor = 'command line'", name=op.f('ck_admin_changes_actor')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_admin_changes_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_changes')),
    )
    with op.batch_alter_table('admin_changes', schema=None) as batch_op:
        batch_op.create_index('ix_admin_changes_object', ['object_type', 'object_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION admin_changes_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the admin log is append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER admin_changes_no_update BEFORE UPDATE OR DELETE ON admin_changes "
                   "FOR EACH ROW EXECUTE FUNCTION admin_changes_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER admin_changes_no_{verb.lower()} BEFORE {verb} ON admin_changes "
                       "BEGIN SELECT RAISE(ABORT, 'the admin log is append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER admin_changes_no_update ON admin_changes")
        op.execute("DROP FUNCTION admin_changes_append_only()")
    else:
        op.execute("DROP TRIGGER admin_changes_no_update")
        op.execute("DROP TRIGGER admin_changes_no_delete")
    with op.batch_alter_table('admin_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_changes_object')
    op.drop_table('admin_changes')
    with op.batch_alter_table('admin_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_admin_requests_pending', sqlite_where=sa.text("state = 'pending'"),
                            postgresql_where=sa.text("state = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_admin_requests_user_id'))
    op.drop_table('admin_requests')
