"""Retention and legal hold: the cases' closing and anonymisation times, legal holds, document
tombstones (append-only: triggers refuse UPDATE and DELETE). Existing final cases get their
closing time from the history event that entered their state.

Revision ID: a17a0d170003
Revises: a17a0d170002
Create Date: 2026-12-03 17:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a17a0d170003'
down_revision = 'a17a0d170002'
branch_labels = None
depends_on = None

# workflow.retention.models.FINAL_STATES when this migration was written.
FINAL_STATES = ("closed", "withdrawn")
DUE = "anonymised_at IS NULL AND closed_at IS NOT NULL"


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('retention_review_on', sa.Date(), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_retention_due', ['closed_at', 'retention_review_on'], unique=False,
                              sqlite_where=sa.text(DUE), postgresql_where=sa.text(DUE))
    # The time of the event that entered the case's final state (its last one: a case may be reopened).
    op.execute(sa.text(
        "UPDATE cases SET closed_at = (SELECT max(events.created_at) FROM events WHERE events.case_id = cases.id "
        "AND events.aid_application_id IS NULL AND events.to_state = cases.state) "
        f"WHERE cases.state IN {FINAL_STATES!r}"))

    op.create_table(
        'legal_holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('placed_by_id', sa.Integer(), nullable=False),
        sa.Column('placed_at', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.LargeBinary(), nullable=True),
        sa.Column('released_by_id', sa.Integer(), nullable=True),
        sa.Column('released_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_legal_holds_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['placed_by_id'], ['users.id'], name=op.f('fk_legal_holds_placed_by_id_users')),
        sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], name=op.f('fk_legal_holds_released_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_holds')),
    )
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_holds_case_id'), ['case_id'], unique=False)
        batch_op.create_index('uq_legal_holds_live', ['case_id'], unique=True,
                              sqlite_where=sa.text('released_at IS NULL'),
                              postgresql_where=sa.text('released_at IS NULL'))

    op.create_table(
        'document_tombstones',
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('destroyed_at', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.CheckConstraint("reason IN ('retention')", name=op.f('ck_document_tombstones_reason')),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_document_tombstones_document_id_documents')),
        sa.PrimaryKeyConstraint('document_id', name=op.f('pk_document_tombstones')),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION document_tombstones_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'document tombstones are immutable';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER document_tombstones_no_update BEFORE UPDATE OR DELETE ON document_tombstones "
                   "FOR EACH ROW EXECUTE FUNCTION document_tombstones_immutable()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER document_tombstones_no_{verb.lower()} BEFORE {verb} ON document_tombstones "
                       "BEGIN SELECT RAISE(ABORT, 'document tombstones are immutable'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER document_tombstones_no_update ON document_tombstones")
        op.execute("DROP FUNCTION document_tombstones_immutable()")
    op.drop_table('document_tombstones')
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.drop_index('uq_legal_holds_live', sqlite_where=sa.text('released_at IS NULL'),
                            postgresql_where=sa.text('released_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_legal_holds_case_id'))
    op.drop_table('legal_holds')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_retention_due', sqlite_where=sa.text(DUE), postgresql_where=sa.text(DUE))
        batch_op.drop_column('retention_review_on')
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('closed_at')
