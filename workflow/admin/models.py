"""Agencies, staff users with their roles and API tokens, the average wages the aid cap is
based on, administrators' four-eyes requests and the admin log."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.admin.labels import (
    ADMIN_OBJECT_TYPES,
    ADMIN_REQUEST_KINDS,
    ADMIN_REQUEST_STATES,
    AGENCY_KINDS,
    LOGIN_OUTCOMES,
)
from workflow.core.extensions import db
from workflow.core.models import one_of, utcnow
from workflow.core.roles import AID_LEVELS, ROLES, SEXES


class Agency(db.Model):
    __tablename__ = "agencies"
    __table_args__ = (CheckConstraint(one_of("kind", AGENCY_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(100), default="")
    # The start of its documents' issue numbers (文号), e.g. 穗检未 for 穗检未助〔2026〕12号.
    doc_prefix: Mapped[str] = mapped_column(String(20), default="", server_default="")

    users: Mapped[list[User]] = relationship(back_populates="agency")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(one_of("sex", SEXES), name="sex"),
                      CheckConstraint(f"aid_level IS NULL OR {one_of('aid_level', AID_LEVELS)}", name="aid_level"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Only for aid_approver: the level up to which this person may approve aid.
    aid_level: Mapped[str | None] = mapped_column(String(20))
    # Where clock notifications are e-mailed (when SMTP is configured); staff addresses only.
    email: Mapped[str | None] = mapped_column(String(254))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The second factor: the TOTP secret, sealed (purpose "otp_secret"); set once the user confirmed
    # it with a first code. `otp_last_counter` is the time step of the last accepted code: a code
    # of that step or an earlier one is a replay.
    otp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, info={"sealed": "otp_secret"})
    otp_confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    otp_last_counter: Mapped[int | None] = mapped_column(BigInteger)
    # Failed passwords or codes in a row; from the settings' threshold on, each one locks the
    # account for twice as long as the one before.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Bulk-read detection (workflow.audit.detection): the last warning about this account's reading,
    # the suspension of its sessions and tokens until a reviewer releases it (the counts that caused
    # it are in the trail's alert record), and that release (reads before it no longer count).
    reads_alerted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reads_suspended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reads_released_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    agency: Mapped[Agency] = relationship(back_populates="users")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", back_populates="user", lazy="selectin"
    )

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def enrolled(self) -> bool:
        """Whether the second factor is set up (until then the user can only enrol)."""
        return self.otp_confirmed_at is not None


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role", name="user_role"),
        CheckConstraint(one_of("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only the SHA-256 of the token is kept: a database dump yields no usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A single-use code that stands in for the second factor (ten are shown once, at enrolment)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the normalised code: the codes are random (50 bits), so a dump yields none.
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class UserSession(db.Model):
    """A signed-in browser. The cookie holds a random id whose SHA-256 is kept here, so ending the
    row ends the session at once, whatever copies of the cookie exist."""

    __tablename__ = "user_sessions"
    __table_args__ = (CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # logout, ended (by the user, from another session), password, second_factor, deactivated, admin
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """Every password and code tried, on the pages or the API, and how it went."""

    __tablename__ = "login_attempts"
    __table_args__ = (CheckConstraint(one_of("outcome", LOGIN_OUTCOMES), name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # As typed (a staff login name); user_id is set when it names an account.
    username: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(8))  # page or api
    outcome: Mapped[str] = mapped_column(String(20))


class AverageWage(db.Model):
    """Average monthly wage per year and region: the aid cap is 36 times it."""

    __tablename__ = "average_wages"
    __table_args__ = (UniqueConstraint("year", "region", name="year_region"),
                      CheckConstraint("monthly_fen > 0", name="monthly_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(100))
    monthly_fen: Mapped[int] = mapped_column(BigInteger)


class AdminRequest(db.Model):
    """A change to an account that would widen someone's access (roles, a higher aid approval level,
    another agency, a second-factor reset), waiting for a second administrator. The database refuses
    a request about oneself and a decision by the requester or by the user it is about."""

    __tablename__ = "admin_requests"
    __table_args__ = (
        CheckConstraint(one_of("kind", ADMIN_REQUEST_KINDS), name="kind"),
        CheckConstraint(one_of("state", ADMIN_REQUEST_STATES), name="state"),
        CheckConstraint("requested_by_id <> user_id", name="not_for_oneself"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> requested_by_id", name="four_eyes"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> user_id", name="not_about_oneself"),
        CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_at"),
        # Approved and rejected name who decided; a withdrawal is the requester's own (no decider).
        CheckConstraint("(state IN ('approved', 'rejected')) = (decided_by_id IS NOT NULL)", name="decided_by"),
        # One waiting request of each kind per user: a second one waits for the first decision.
        Index("uq_admin_requests_pending", "user_id", "kind", unique=True,
              sqlite_where=text("state = 'pending'"), postgresql_where=text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # What approval does: {"add": [roles], "aid_level": level or None}, {"aid_level": level},
    # {"agency_id": id, "from_agency_id": id} or {} (reset_second_factor).
    change: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class AdminChange(db.Model):
    """The admin log: one row per change an administrator (or the command line) made, written in the
    change's transaction, append-only (the database refuses UPDATE and DELETE). `before` and `after`
    hold the changed values as JSON; never a password hash or a TOTP secret (a new password is the
    flag {"password": "changed"})."""

    __tablename__ = "admin_changes"
    __table_args__ = (
        CheckConstraint(one_of("object_type", ADMIN_OBJECT_TYPES), name="object_type"),
        CheckConstraint("actor_id IS NOT NULL OR actor = 'command line'", name="actor"),
        Index("ix_admin_changes_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The acting user; NULL for the command line (then `actor` is "command line").
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(20))
    # The object's id or key (a user's id, a setting's key, a day, "2026/示例市" for a wage).
    object_id: Mapped[str] = mapped_column(String(120))
    # What people call it (a username, an agency's name), as it was then.
    label: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(24))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    acting_user: Mapped[User | None] = relationship()
