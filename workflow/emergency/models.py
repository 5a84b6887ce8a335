"""An emergency access: who broke the glass on which case, why (sealed), for how long, and the
supervisor's review."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.admin.models import User
from workflow.cases.models import Case
from workflow.core.extensions import db
from workflow.core.models import one_of, utcnow
from workflow.emergency.labels import EMERGENCY_REVIEW_STATES


class EmergencyAccess(db.Model):
    """One use of break-the-glass. The row is the record: it is never deleted, and a review only
    fills the review columns once (pending -> confirmed | flagged). A flagged grant ends at once."""

    __tablename__ = "emergency_accesses"
    __table_args__ = (
        CheckConstraint(one_of("review_state", EMERGENCY_REVIEW_STATES), name="review_state"),
        CheckConstraint("expires_at > started_at", name="expires_after_start"),
        CheckConstraint("(review_state = 'pending') = (reviewed_at IS NULL)", name="reviewed_when_decided"),
        CheckConstraint("(reviewed_at IS NULL) = (reviewed_by_id IS NULL)", name="reviewed_by_someone"),
        # The live-grant lookup of every read: this user, this case, not yet expired.
        Index("ix_emergency_accesses_live", "user_id", "case_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # The team roles the user held when breaking the glass: the grant reads in those still held.
    roles: Mapped[list[str]] = mapped_column(JSON)
    # Why, in the user's words: sealed at rest (workflow.core.sealing), it may name the child.
    reason: Mapped[bytes] = mapped_column(LargeBinary, info={"sealed": "emergency_access.reason"})
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    review_state: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    review_note: Mapped[bytes | None] = mapped_column(LargeBinary, info={"sealed": "emergency_access.review_note"})

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    case: Mapped[Case] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    def live(self, now: dt.datetime) -> bool:
        return self.started_at <= now < self.expires_at and self.review_state != "flagged"
