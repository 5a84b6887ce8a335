"""The judicial aid application, its entrusted verifications and its ledger of money paid and
recovered."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.admin.models import Agency, User
from workflow.cases.models import Case
from workflow.core.extensions import db
from workflow.core.models import Event, Task, one_of, utcnow
from workflow.core.roles import AID_LEVELS
from workflow.core.sealing import Sealed

# Applications ended without aid; any other one blocks a second application for the same child.
AID_ENDED_WITHOUT_AID = ("rejected", "not_accepted", "withdrawn")
APPLICANT_KINDS = ("guardian", "legal_representative")


class AidApplication(db.Model):
    """A judicial aid application for one child victim (its case), handled by a procuratorate."""

    __tablename__ = "aid_applications"
    __table_args__ = (
        CheckConstraint(f"applicant_kind IS NULL OR {one_of('applicant_kind', APPLICANT_KINDS)}",
                        name="applicant_kind"),
        CheckConstraint(f"required_level IS NULL OR {one_of('required_level', AID_LEVELS)}", name="required_level"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("requested_fen IS NULL OR requested_fen > 0", name="requested_positive"),
        CheckConstraint("approved_fen IS NULL OR approved_fen > 0", name="approved_positive"),
        CheckConstraint("proposed_fen IS NULL OR (county_fen >= 0 AND city_fen >= 0 AND province_fen >= 0 "
                        "AND county_fen + city_fen + province_fen = proposed_fen)", name="contributions_sum"),
        # One application per child and incident, unless earlier ones ended without aid.
        Index("uq_aid_applications_live_case", "case_id", unique=True,
              sqlite_where=text(f"state NOT IN {AID_ENDED_WITHOUT_AID!r}"),
              postgresql_where=text(f"state NOT IN {AID_ENDED_WITHOUT_AID!r}")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # The procuratorate whose aid department handles it (the case prosecutor's).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    definition_version: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)

    grounds: Mapped[list] = mapped_column(JSON, default=list)
    flag_note: Mapped[str] = mapped_column(Sealed("aid_applications.flag_note"), default="")
    flagged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    flagged_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    # Who applies, their account and every free-text note: sealed at rest (workflow.core.sealing).
    applicant_name: Mapped[str | None] = mapped_column(Sealed("aid_applications.applicant_name"))
    applicant_kind: Mapped[str | None] = mapped_column(String(24))
    applicant_phone: Mapped[str] = mapped_column(Sealed("aid_applications.applicant_phone"), default="")
    requested_fen: Mapped[int | None] = mapped_column(BigInteger)
    documents: Mapped[list] = mapped_column(JSON, default=list)
    statement: Mapped[str] = mapped_column(Sealed("aid_applications.statement"), default="")
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    refusal_grounds: Mapped[list] = mapped_column(JSON, default=list)

    household_size: Mapped[int | None] = mapped_column(Integer)
    monthly_income_fen: Mapped[int | None] = mapped_column(BigInteger)
    losses_fen: Mapped[int | None] = mapped_column(BigInteger)
    finances_note: Mapped[str] = mapped_column(Sealed("aid_applications.finances_note"), default="")
    finances_recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    proposed_fen: Mapped[int | None] = mapped_column(BigInteger)
    county_fen: Mapped[int | None] = mapped_column(BigInteger)
    city_fen: Mapped[int | None] = mapped_column(BigInteger)
    province_fen: Mapped[int | None] = mapped_column(BigInteger)
    instalments: Mapped[list] = mapped_column(JSON, default=list)
    supervised_account: Mapped[str] = mapped_column(Sealed("aid_applications.supervised_account"), default="")
    cap_fen: Mapped[int | None] = mapped_column(BigInteger)
    over_cap_reason: Mapped[str] = mapped_column(Sealed("aid_applications.over_cap_reason"), default="")
    required_level: Mapped[str | None] = mapped_column(String(20))
    proposal_note: Mapped[str] = mapped_column(Sealed("aid_applications.proposal_note"), default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    approved_fen: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str] = mapped_column(Sealed("aid_applications.decision_note"), default="")
    meeting: Mapped[dict | None] = mapped_column(Sealed("aid_applications.meeting"))
    notified_on: Mapped[dt.date | None] = mapped_column(Date)
    notified_by: Mapped[str] = mapped_column(String(20), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship(back_populates="aid_applications")
    agency: Mapped[Agency] = relationship()
    officer: Mapped[User | None] = relationship(foreign_keys=[officer_id])
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    verifications: Mapped[list[AidVerification]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="AidVerification.id")
    ledger: Mapped[list[AidLedgerEntry]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="AidLedgerEntry.id")
    tasks: Mapped[list[Task]] = relationship(back_populates="aid_application", order_by="Task.id")
    events: Mapped[list[Event]] = relationship(back_populates="aid_application", order_by="Event.id")

    process_name = "aid"

    @property
    def own_tasks(self) -> list[Task]:
        return list(self.tasks)

    @property
    def owner_keys(self) -> dict:
        """What the application's tasks and history events belong to (the engine's subject protocol)."""
        return {"case": self.case, "aid_application": self}

    def own_events(self):
        return Event.aid_application_id == self.id

    @property
    def suspended(self) -> bool:
        """Suspending the case pauses its aid application too."""
        return self.case.suspended

    @property
    def suspend_reason(self) -> str | None:
        return self.case.suspend_reason

    def member(self, role: str) -> User | None:
        if role == "aid_officer":
            return self.officer
        if role == "case_prosecutor":
            return self.case.member(role)
        return None

    def task_agency_id(self, role: str) -> int | None:
        if role == "verifier":
            pending = self.open_verification
            return pending.agency_id if pending else None
        return self.agency_id

    @property
    def open_verification(self) -> AidVerification | None:
        return next((v for v in self.verifications if v.reported_at is None), None)

    @property
    def paid_fen(self) -> int:
        return sum(e.amount_fen for e in self.ledger if e.kind == "payment")

    @property
    def recovered_fen(self) -> int:
        return sum(e.amount_fen for e in self.ledger if e.kind == "recovery")


class AidVerification(db.Model):
    """Family finances verified by another agency on the handling procuratorate's request."""

    __tablename__ = "aid_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    aid_application_id: Mapped[int] = mapped_column(ForeignKey("aid_applications.id", ondelete="CASCADE"),
                                                    index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    request: Mapped[str] = mapped_column(Sealed("aid_verifications.request"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    report: Mapped[str | None] = mapped_column(Sealed("aid_verifications.report"))
    finances_confirmed: Mapped[bool | None] = mapped_column(Boolean)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    application: Mapped[AidApplication] = relationship(back_populates="verifications")
    agency: Mapped[Agency] = relationship()
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])


LEDGER_KINDS = ("payment", "recovery")
PAYMENT_METHODS = ("bank_transfer", "supervised_account", "cash")
RECOVERY_REASONS = ("fraud", "offender_compensation")


class AidLedgerEntry(db.Model):
    """Money paid out (instalments) or recovered, in integer fen; entries are never edited."""

    __tablename__ = "aid_ledger"
    __table_args__ = (
        CheckConstraint(one_of("kind", LEDGER_KINDS), name="kind"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(f"method IS NULL OR {one_of('method', PAYMENT_METHODS)}", name="method"),
        CheckConstraint(f"recovery_reason IS NULL OR {one_of('recovery_reason', RECOVERY_REASONS)}",
                        name="recovery_reason"),
        CheckConstraint("kind <> 'recovery' OR recovery_reason IS NOT NULL", name="recovery_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    aid_application_id: Mapped[int] = mapped_column(ForeignKey("aid_applications.id", ondelete="CASCADE"),
                                                    index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    on_date: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str | None] = mapped_column(String(24))
    reference: Mapped[str] = mapped_column(String(120), default="")
    recovery_reason: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Sealed("aid_ledger.note"), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    application: Mapped[AidApplication] = relationship(back_populates="ledger")
