"""The audit trail: one chained, signed record per request that reads or changes data, the head of
each chain, and signed checkpoints. Records and checkpoints are append-only (triggers).

Revision ID: a17a0d170001
Revises: e6c77a3b2d38
Create Date: 2026-12-03 17:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a17a0d170001'
down_revision = 'e6c77a3b2d38'
branch_labels = None
depends_on = None

# workflow.audit.models.SHARDS and workflow.audit.chain.GENESIS when this migration was written.
SHARDS = 8
GENESIS = "0" * 64
APPEND_ONLY = ("audit_records", "audit_checkpoints")


def upgrade():
    op.create_table(
        'audit_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shard', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('session_ref', sa.String(length=24), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('object_type', sa.String(length=40), nullable=True),
        sa.Column('object_ids', sa.JSON(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('chain_hash', sa.String(length=64), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_records')),
        sa.UniqueConstraint('shard', 'seq', name='uq_audit_records_shard_seq'),
    )
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_records_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_records_user_at', ['user_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_records_case_at', ['case_id', 'at'], unique=False)
    heads = op.create_table(
        'audit_heads',
        sa.Column('shard', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('chain_hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('shard', name=op.f('pk_audit_heads')),
    )
    op.bulk_insert(heads, [{"shard": shard, "seq": 0, "chain_hash": GENESIS} for shard in range(SHARDS)])
    op.create_table(
        'audit_checkpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shard', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('chain_hash', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')),
        sa.UniqueConstraint('shard', 'seq', name='uq_audit_checkpoints_shard_seq'),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the audit trail is append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
    else:
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_no_update ON {table}")
        op.execute("DROP FUNCTION audit_append_only()")
    op.drop_table('audit_checkpoints')
    op.drop_table('audit_heads')
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_records_case_at')
        batch_op.drop_index('ix_audit_records_user_at')
        batch_op.drop_index(batch_op.f('ix_audit_records_at'))
    op.drop_table('audit_records')
