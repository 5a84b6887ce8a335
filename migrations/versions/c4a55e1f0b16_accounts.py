"""Accounts that hold against a stolen password: the second factor (TOTP secret, recovery codes),
lock-out counters, server-side sessions and the record of login attempts. The session epoch goes:
ending a session row replaces it (existing sessions end with this upgrade: everyone logs in again
and sets up the second factor).

Revision ID: c4a55e1f0b16
Revises: 3c5e2f4a9b10
Create Date: 2026-12-03 13:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4a55e1f0b16'
down_revision = '3c5e2f4a9b10'
branch_labels = None
depends_on = None

LOGIN_OUTCOMES = ("ok", "password_ok", "wrong_password", "wrong_code", "replayed_code", "recovery_code",
                  "locked", "inactive", "unknown_user", "enrolled")


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('otp_secret', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('otp_confirmed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('otp_last_counter', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch_op.drop_column('session_epoch')

    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    )
    op.create_index(op.f('ix_recovery_codes_user_id'), 'recovery_codes', ['user_id'])

    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=20), nullable=True),
        sa.CheckConstraint('(ended_at IS NULL) = (end_reason IS NULL)',
                           name=op.f('ck_user_sessions_ended_with_reason')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash')),
    )
    op.create_index(op.f('ix_user_sessions_user_id'), 'user_sessions', ['user_id'])

    op.create_table(
        'login_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('username', sa.String(length=80), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.CheckConstraint(f"outcome IN ({', '.join(repr(o) for o in LOGIN_OUTCOMES)})",
                           name=op.f('ck_login_attempts_outcome')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_attempts_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts')),
    )
    op.create_index(op.f('ix_login_attempts_at'), 'login_attempts', ['at'])
    op.create_index(op.f('ix_login_attempts_user_id'), 'login_attempts', ['user_id'])


def downgrade():
    op.drop_table('login_attempts')
    op.drop_table('user_sessions')
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('otp_last_counter')
        batch_op.drop_column('otp_confirmed_at')
        batch_op.drop_column('otp_secret')
