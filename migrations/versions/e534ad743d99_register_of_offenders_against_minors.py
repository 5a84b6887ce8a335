"""The register of offenders against minors: entries (person sealed, keyed hashes for matching),
their four-eyes changes, judgments that propose entries, the inquiry log, re-checks and alerts;
documents.inquiry_id for result notices.

`documents` gets its column with a plain ADD COLUMN, not a batch table copy: on SQLite a copy would
drop the triggers that keep documents immutable.

Revision ID: e534ad743d99
Revises: be7417899094
Create Date: 2026-11-23 13:41:58.995988

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e534ad743d99'
down_revision = 'be7417899094'
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    op.create_table('registry_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('misses_in_a_row', 'sequential_ids', 'many_ids_one_person')", name=op.f('ck_registry_alerts_kind')),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_registry_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_registry_alerts_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_alerts')),
    sa.UniqueConstraint('agency_id', 'kind', 'day', name='uq_registry_alerts_daily')
    )
    op.create_table('registry_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('id_type', sa.String(length=32), nullable=False),
    sa.Column('id_hmac', sa.String(length=64), nullable=False),
    sa.Column('name_dob_hmac', sa.String(length=64), nullable=False),
    sa.Column('person', sa.LargeBinary(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('ban_lifelong', sa.Boolean(), nullable=False),
    sa.Column('ban_until', sa.Date(), nullable=True),
    sa.Column('source_document', sa.String(length=200), nullable=False),
    sa.Column('source_date', sa.Date(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(category = 'employment_ban') = (ban_lifelong OR ban_until IS NOT NULL)", name=op.f('ck_registry_entries_ban')),
    sa.CheckConstraint("category IN ('conviction_rape', 'conviction_indecency', 'conviction_molestation', 'conviction_similar', 'non_prosecution', 'administrative_penalty', 'employment_ban')", name=op.f('ck_registry_entries_category')),
    sa.CheckConstraint("id_type IN ('resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent_resident', 'other')", name=op.f('ck_registry_entries_id_type')),
    sa.CheckConstraint("status IN ('pending', 'active', 'rejected', 'removed')", name=op.f('ck_registry_entries_status')),
    sa.CheckConstraint('NOT (ban_lifelong AND ban_until IS NOT NULL)', name=op.f('ck_registry_entries_ban_one_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_registry_entries_created_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_registry_entries_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_entries'))
    )
    with op.batch_alter_table('registry_entries', schema=None) as batch_op:
        batch_op.create_index('ix_registry_entries_id_match', ['id_hmac', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_entries_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index('ix_registry_entries_name_match', ['name_dob_hmac', 'status'], unique=False)

    op.create_table('judgments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('defendant_name', sa.String(length=120), nullable=False),
    sa.Column('court', sa.String(length=200), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('judged_on', sa.Date(), nullable=False),
    sa.Column('ban', sa.String(length=10), nullable=False),
    sa.Column('ban_until', sa.Date(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(ban = 'until') = (ban_until IS NOT NULL)", name=op.f('ck_judgments_ban_until')),
    sa.CheckConstraint("ban IN ('none', 'until', 'lifelong')", name=op.f('ck_judgments_ban')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_judgments_case_id_cases')),
    sa.ForeignKeyConstraint(['entry_id'], ['registry_entries.id'], name=op.f('fk_judgments_entry_id_registry_entries')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_judgments_incident_id_incidents')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_judgments_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judgments'))
    )
    with op.batch_alter_table('judgments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judgments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_judgments_incident_id'), ['incident_id'], unique=False)

    op.create_table('registry_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('proposed', sa.LargeBinary(), nullable=True),
    sa.Column('previous', sa.LargeBinary(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.CheckConstraint("(status = 'open') = (decided_by_id IS NULL)", name=op.f('ck_registry_changes_decided')),
    sa.CheckConstraint("kind <> 'correct' OR proposed IS NOT NULL", name=op.f('ck_registry_changes_correction_values')),
    sa.CheckConstraint("kind IN ('create', 'correct', 'remove')", name=op.f('ck_registry_changes_kind')),
    sa.CheckConstraint("status IN ('open', 'approved', 'rejected')", name=op.f('ck_registry_changes_status')),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> proposed_by_id', name=op.f('ck_registry_changes_four_eyes')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_registry_changes_decided_by_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['registry_entries.id'], name=op.f('fk_registry_changes_entry_id_registry_entries')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_registry_changes_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_changes'))
    )
    with op.batch_alter_table('registry_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_changes_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('uq_registry_changes_open', ['entry_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('registry_inquiries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('row_no', sa.Integer(), nullable=True),
    sa.Column('id_hmac', sa.String(length=64), nullable=False),
    sa.Column('name_dob_hmac', sa.String(length=64), nullable=False),
    sa.Column('person', sa.LargeBinary(), nullable=True),
    sa.Column('post', sa.String(length=120), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("result = 'no_record' OR person IS NOT NULL", name=op.f('ck_registry_inquiries_person_kept')),
    sa.CheckConstraint("result IN ('record', 'no_record', 'pending_review')", name=op.f('ck_registry_inquiries_result')),
    sa.CheckConstraint('consent', name=op.f('ck_registry_inquiries_consent')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_registry_inquiries_agency_id_agencies')),
    sa.ForeignKeyConstraint(['entry_id'], ['registry_entries.id'], name=op.f('fk_registry_inquiries_entry_id_registry_entries')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_registry_inquiries_job_id_jobs')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_registry_inquiries_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_registry_inquiries_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_inquiries')),
    sa.UniqueConstraint('job_id', 'row_no', name='uq_registry_inquiries_job_row')
    )
    with op.batch_alter_table('registry_inquiries', schema=None) as batch_op:
        batch_op.create_index('ix_registry_inquiries_agency_time', ['agency_id', 'created_at'], unique=False)
        batch_op.create_index('ix_registry_inquiries_single', ['agency_id', 'created_at'], unique=False,
                              sqlite_where=sa.text('job_id IS NULL'), postgresql_where=sa.text('job_id IS NULL'))

    op.create_table('registry_rechecks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inquiry_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("(status = 'open') = (resolved_by_id IS NULL)", name=op.f('ck_registry_rechecks_resolved')),
    sa.CheckConstraint("status IN ('open', 'upheld', 'corrected')", name=op.f('ck_registry_rechecks_status')),
    sa.ForeignKeyConstraint(['inquiry_id'], ['registry_inquiries.id'], name=op.f('fk_registry_rechecks_inquiry_id_registry_inquiries')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_registry_rechecks_requested_by_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_registry_rechecks_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_rechecks')),
    sa.UniqueConstraint('inquiry_id', name=op.f('uq_registry_rechecks_inquiry_id'))
    )
    if _sqlite():
        op.execute("ALTER TABLE documents ADD COLUMN inquiry_id INTEGER CONSTRAINT "
                   "fk_documents_inquiry_id_registry_inquiries REFERENCES registry_inquiries (id)")
    else:
        op.add_column('documents', sa.Column('inquiry_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_documents_inquiry_id_registry_inquiries', 'documents', 'registry_inquiries',
                              ['inquiry_id'], ['id'])
    op.create_index('ix_documents_inquiry_id', 'documents', ['inquiry_id'], unique=False)



def downgrade():
    op.drop_index('ix_documents_inquiry_id', table_name='documents')
    if _sqlite():  # a column with a foreign key needs the table copied, and the copy its triggers again
        with op.batch_alter_table('documents', schema=None) as batch_op:
            batch_op.drop_column('inquiry_id')
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER documents_no_{verb.lower()} BEFORE {verb} ON documents "
                       "BEGIN SELECT RAISE(ABORT, 'documents are immutable'); END")
    else:
        op.drop_constraint('fk_documents_inquiry_id_registry_inquiries', 'documents', type_='foreignkey')
        op.drop_column('documents', 'inquiry_id')

    op.drop_table('registry_rechecks')
    with op.batch_alter_table('registry_inquiries', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_inquiries_single', sqlite_where=sa.text('job_id IS NULL'),
                            postgresql_where=sa.text('job_id IS NULL'))
        batch_op.drop_index('ix_registry_inquiries_agency_time')

    op.drop_table('registry_inquiries')
    with op.batch_alter_table('registry_changes', schema=None) as batch_op:
        batch_op.drop_index('uq_registry_changes_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_registry_changes_entry_id'))

    op.drop_table('registry_changes')
    with op.batch_alter_table('judgments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judgments_incident_id'))
        batch_op.drop_index(batch_op.f('ix_judgments_case_id'))

    op.drop_table('judgments')
    with op.batch_alter_table('registry_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_entries_name_match')
        batch_op.drop_index(batch_op.f('ix_registry_entries_incident_id'))
        batch_op.drop_index('ix_registry_entries_id_match')

    op.drop_table('registry_entries')
    op.drop_table('registry_alerts')
