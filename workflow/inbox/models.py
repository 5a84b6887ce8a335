"""In-app notifications about task clocks."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.admin.models import User
from workflow.core.extensions import db
from workflow.core.models import Task, one_of, utcnow

NOTIFICATION_KINDS = ("due_soon", "overdue", "escalated")


class Notification(db.Model):
    """An in-app notice to a staff user about a task's clock (also e-mailed when SMTP is set).

    One per user, task, kind and due time: escalation runs are idempotent by this constraint.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(one_of("kind", NOTIFICATION_KINDS), name="kind"),
        UniqueConstraint("user_id", "task_id", "kind", "task_due_at", name="uq_notifications_once"),
        Index("ix_notifications_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    task_due_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    emailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email_error: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
    task: Mapped[Task] = relationship()
