"""Follow-up: return visits and "judicial aid +" referrals to social assistance."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.admin.models import Agency
from workflow.core.extensions import db
from workflow.core.models import one_of, utcnow
from workflow.core.sealing import Sealed

# Models of other features are named, not imported (features import downwards only): SQLAlchemy
# resolves them from its registry once `create_app` has imported every feature.

VISIT_MODES = ("home", "school", "phone")
REFERRAL_KINDS = ("minimum_living_allowance", "fee_waiver", "disability_certificate", "legal_aid",
                  "psychological_counselling", "protection_order", "student_aid", "civil_support_prosecution",
                  "employment_guidance", "other")
REFERRAL_STATUSES = ("sent", "acknowledged", "completed", "declined", "closed")
REFERRAL_OPEN = ("sent", "acknowledged")


class Referral(db.Model):
    """A "judicial aid +" referral of the child or family to a social-assistance agency."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(one_of("kind", REFERRAL_KINDS), name="kind"),
        CheckConstraint(one_of("status", REFERRAL_STATUSES), name="status"),
        CheckConstraint("status <> 'closed' OR close_reason IS NOT NULL", name="close_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    # The request, the agency's reply and why it was closed: sealed at rest (workflow.core.sealing).
    note: Mapped[str] = mapped_column(Sealed("referrals.note"), default="")
    status: Mapped[str] = mapped_column(String(16), default="sent")
    outcome: Mapped[str] = mapped_column(Sealed("referrals.outcome"), default="")
    close_reason: Mapped[str | None] = mapped_column(Sealed("referrals.close_reason"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship(back_populates="referrals")
    agency: Mapped[Agency] = relationship()
    visit: Mapped[Visit | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status in REFERRAL_OPEN


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint(one_of("status", ("scheduled", "done", "cancelled")), name="status"),
        CheckConstraint(f"mode IS NULL OR {one_of('mode', VISIT_MODES)}", name="mode"),
        CheckConstraint("satisfaction IS NULL OR (satisfaction BETWEEN 1 AND 5)", name="satisfaction"),
        CheckConstraint("status <> 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    mode: Mapped[str | None] = mapped_column(String(10))
    # Who was there and what was found: sealed at rest (workflow.core.sealing).
    attendees: Mapped[str] = mapped_column(Sealed("visits.attendees"), default="")
    wellbeing: Mapped[str] = mapped_column(Sealed("visits.wellbeing"), default="")
    school_attendance: Mapped[str] = mapped_column(Sealed("visits.school_attendance"), default="")
    needs: Mapped[str] = mapped_column(Sealed("visits.needs"), default="")
    aid_use: Mapped[str] = mapped_column(Sealed("visits.aid_use"), default="")
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    cancel_reason: Mapped[str | None] = mapped_column(Sealed("visits.cancel_reason"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="visits")
