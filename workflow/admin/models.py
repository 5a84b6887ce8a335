"""Agencies, staff users with their roles and API tokens, and the average wages the aid cap is
based on."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.admin.labels import AGENCY_KINDS
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
    # Bumped on password change or deactivation; stored in the session so old sessions die.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

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

    def get_id(self) -> str:  # Flask-Login: the epoch invalidates sessions after deactivation
        return f"{self.id}:{self.session_epoch}"


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


class AverageWage(db.Model):
    """Average monthly wage per year and region: the aid cap is 36 times it."""

    __tablename__ = "average_wages"
    __table_args__ = (UniqueConstraint("year", "region", name="year_region"),
                      CheckConstraint("monthly_fen > 0", name="monthly_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(100))
    monthly_fen: Mapped[int] = mapped_column(BigInteger)
