"""In-app notifications: about task clocks, notices about a case (break-the-glass) and notices
about an account (bulk reading)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
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
from workflow.cases.models import Case
from workflow.core.extensions import db
from workflow.core.models import Task, one_of, utcnow

# Notices about a task's clock carry the task and its due time.
TASK_NOTICE_KINDS = ("due_soon", "overdue", "escalated")
# Notices about a case carry the case and who did what they report (someone broke the glass).
CASE_NOTICE_KINDS = ("break_glass",)
# Notices about an account carry it as `actor_id` and what they report in `details` (an account read
# more than the thresholds allow: workflow.audit.detection).
ACCOUNT_NOTICE_KINDS = ("bulk_read", "reads_suspended")
NOTIFICATION_KINDS = (*TASK_NOTICE_KINDS, *CASE_NOTICE_KINDS, *ACCOUNT_NOTICE_KINDS)


class Notification(db.Model):
    """An in-app notice to a staff user: about a task's clock (also e-mailed when SMTP is set),
    about a case (`case_id`, `actor_id`), or about an account (`actor_id`, `details`); the feature
    that sends a notice about a case or an account says where it leads
    (`workflow.inbox.notifications.notice_link`).

    One per user, task, kind and due time: escalation runs are idempotent by this constraint.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(one_of("kind", NOTIFICATION_KINDS), name="kind"),
        CheckConstraint(f"({one_of('kind', TASK_NOTICE_KINDS)} AND task_id IS NOT NULL AND task_due_at IS NOT NULL)"
                        f" OR ({one_of('kind', CASE_NOTICE_KINDS)} AND case_id IS NOT NULL)"
                        f" OR {one_of('kind', ACCOUNT_NOTICE_KINDS)}", name="subject"),
        UniqueConstraint("user_id", "task_id", "kind", "task_due_at", name="uq_notifications_once"),
        Index("ix_notifications_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    task_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    details: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    emailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email_error: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    task: Mapped[Task | None] = relationship()
    case: Mapped[Case | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
