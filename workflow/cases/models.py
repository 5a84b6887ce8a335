"""The victim case: incident and suspects, the child's case with its contacts and team, the forensic
exam, interviews, psychological records and judgments."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.admin.models import Agency, User
from workflow.cases.labels import TEAM_ROLES
from workflow.core.extensions import db
from workflow.core.models import Event, Task, one_of, utcnow
from workflow.core.roles import SEXES
from workflow.core.sealing import Sealed, blind_index

# Models of other features are named, not imported (features import downwards only): SQLAlchemy
# resolves them from its registry once `create_app` has imported every feature.

REFERRAL_SOURCES = ("police", "hospital", "school_report", "hotline_12338", "womens_federation", "self")
ATTENDEE_ROLES = ("interviewer", "psychologist", "guardian", "appropriate_adult", "interpreter", "recorder", "other")
RISK_LEVELS = ("low", "medium", "high")


class Incident(db.Model):
    """The criminal matter; several child victims' cases may share one."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    offence_type: Mapped[str] = mapped_column(String(40))
    police_case_no: Mapped[str] = mapped_column(String(64), default="")
    court_case_no: Mapped[str] = mapped_column(String(64), default="")
    occurred_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    suspects: Mapped[list[Suspect]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Suspect.id"
    )
    cases: Mapped[list[Case]] = relationship(back_populates="incident", order_by="Case.id")


class Suspect(db.Model):
    __tablename__ = "suspects"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Sealed("suspects.name"))
    relation_to_victims: Mapped[str] = mapped_column(Sealed("suspects.relation_to_victims"), default="")

    incident: Mapped[Incident] = relationship(back_populates="suspects")


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(one_of("referral_source", REFERRAL_SOURCES), name="referral_source"),
        CheckConstraint(one_of("child_sex", SEXES), name="child_sex"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("interview_count >= 0", name="interview_count"),
        # The retention job's range: closed cases not anonymised yet, by closing time.
        Index("ix_cases_retention_due", "closed_at", "retention_review_on",
              sqlite_where=text("anonymised_at IS NULL AND closed_at IS NOT NULL"),
              postgresql_where=text("anonymised_at IS NULL AND closed_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    definition_version: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    # Optimistic locking: the engine sets version + 1 once per transaction and every UPDATE is
    # conditioned on the version read, so a concurrent writer fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    referral_source: Mapped[str] = mapped_column(String(32))
    # Who the child is, sealed at rest (workflow.core.sealing); search finds a case by the blind
    # indexes of the whole name and ID number, statistics count by the age band at referral.
    referral_detail: Mapped[str] = mapped_column(Sealed("cases.referral_detail"), default="")
    child_name: Mapped[str] = mapped_column(Sealed("cases.child_name"))
    child_name_index: Mapped[str | None] = mapped_column(String(64), index=True)
    child_sex: Mapped[str] = mapped_column(String(1))
    child_birth_date: Mapped[dt.date | None] = mapped_column(Sealed("cases.child_birth_date"))
    child_age_band: Mapped[str | None] = mapped_column(String(8))
    child_id_number: Mapped[str | None] = mapped_column(Sealed("cases.child_id_number"))
    child_id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)

    consent_given_by: Mapped[str | None] = mapped_column(Sealed("cases.consent_given_by"))
    consent_recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    consent_note: Mapped[str] = mapped_column(Sealed("cases.consent_note"), default="")

    suspended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    suspend_reason: Mapped[str | None] = mapped_column(Sealed("cases.suspend_reason"))
    interview_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Retention (workflow/retention): when the case entered its final state (None while open), when
    # it was anonymised, and when to look at it again while the child is not yet 21.
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    retention_review_on: Mapped[dt.date | None] = mapped_column(Date)

    incident: Mapped[Incident] = relationship(back_populates="cases")
    centre: Mapped[Agency] = relationship()
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Contact.id"
    )
    team: Mapped[list[TeamMember]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="TeamMember.id"
    )
    exam: Mapped[ForensicExam | None] = relationship(back_populates="case", cascade="all, delete-orphan")
    interviews: Mapped[list[Interview]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Interview.id"
    )
    reinterview_requests: Mapped[list[ReinterviewRequest]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="ReinterviewRequest.id"
    )
    psych_records: Mapped[list[PsychRecord]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="PsychRecord.id"
    )
    aid_applications: Mapped[list[AidApplication]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="AidApplication.id"
    )
    referrals: Mapped[list[Referral]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Referral.id"
    )
    visits: Mapped[list[Visit]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Visit.due_on"
    )
    # All tasks of the case, its aid applications' included.
    tasks: Mapped[list[Task]] = relationship(back_populates="case", order_by="Task.id")
    events: Mapped[list[Event]] = relationship(back_populates="case", order_by="Event.id")

    process_name = "case"

    @property
    def case(self) -> Case:
        """A case is its own case (aid applications answer with theirs)."""
        return self

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def own_tasks(self) -> list[Task]:
        return [t for t in self.tasks if t.aid_application_id is None]

    @property
    def owner_keys(self) -> dict:
        """What the case's own tasks and history events belong to (the engine's subject protocol)."""
        return {"case": self, "aid_application": None}

    def own_events(self):
        """SQL condition on the case's own history events (not its aid applications')."""
        return (Event.case_id == self.id) & Event.aid_application_id.is_(None)

    def task_agency_id(self, role: str) -> int | None:
        """The agency whose members of `role` share an unassigned task (supervisors of the centre)."""
        return self.centre_id if role == "supervisor" else None

    def member(self, role: str) -> User | None:
        for row in self.team:
            if row.role == role:
                return row.user
        return None


    @property
    def guardians(self) -> list[Contact]:
        return [c for c in self.contacts if c.kind == "guardian"]

    @property
    def appropriate_adults(self) -> list[Contact]:
        return [c for c in self.contacts if c.kind == "appropriate_adult"]

    def age_on(self, day: dt.date) -> int | None:
        born = self.child_birth_date
        if born is None:  # erased under retention
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


blind_index(Case.child_name, Case.child_name_index)
blind_index(Case.child_id_number, Case.child_id_number_index, upper=True)


class Contact(db.Model):
    """A guardian or an appropriate adult of the child."""

    __tablename__ = "contacts"
    __table_args__ = (CheckConstraint(one_of("kind", ("guardian", "appropriate_adult")), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(Sealed("contacts.name"))
    relation: Mapped[str] = mapped_column(Sealed("contacts.relation"), default="")
    phone: Mapped[str] = mapped_column(Sealed("contacts.phone"), default="")
    # A guardian who is a suspect is never notified, sent a document or shown as a contact.
    is_suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    absent: Mapped[bool] = mapped_column(Boolean, default=False)

    case: Mapped[Case] = relationship(back_populates="contacts")

    @property
    def can_act_for_child(self) -> bool:
        return not self.is_suspect and not self.absent


class TeamMember(db.Model):
    __tablename__ = "team_members"
    __table_args__ = (
        UniqueConstraint("case_id", "role", name="case_role"),
        CheckConstraint(one_of("role", TEAM_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="team")
    user: Mapped[User] = relationship(lazy="joined")


class ForensicExam(db.Model):
    __tablename__ = "forensic_exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    examiner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    findings: Mapped[str] = mapped_column(Sealed("forensic_exams.findings"), default="")
    # Supervisor-approved exception to the female-examiner rule for girls.
    exception_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    exception_reason: Mapped[str | None] = mapped_column(Sealed("forensic_exams.exception_reason"))
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waive_reason: Mapped[str | None] = mapped_column(Sealed("forensic_exams.waive_reason"))

    case: Mapped[Case] = relationship(back_populates="exam")
    examiner: Mapped[User | None] = relationship(foreign_keys=[examiner_id])
    exception_approved_by: Mapped[User | None] = relationship(foreign_keys=[exception_approved_by_id])
    injuries: Mapped[list[Injury]] = relationship(cascade="all, delete-orphan", order_by="Injury.id")
    samples: Mapped[list[Sample]] = relationship(cascade="all, delete-orphan", order_by="Sample.id")


class Injury(db.Model):
    __tablename__ = "injuries"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("forensic_exams.id", ondelete="CASCADE"), index=True)
    body_site: Mapped[str] = mapped_column(Sealed("injuries.body_site"))
    description: Mapped[str] = mapped_column(Sealed("injuries.description"))


class Sample(db.Model):
    __tablename__ = "samples"
    __table_args__ = (UniqueConstraint("exam_id", "label", name="exam_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("forensic_exams.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(Sealed("samples.kind"))
    collected_at: Mapped[dt.datetime] = mapped_column(DateTime)

    transfers: Mapped[list[CustodyTransfer]] = relationship(
        cascade="all, delete-orphan", order_by="CustodyTransfer.id"
    )


class CustodyTransfer(db.Model):
    """One hand-over in a sample's chain of custody."""

    __tablename__ = "custody_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    from_name: Mapped[str] = mapped_column(Sealed("custody_transfers.from_name"))
    to_name: Mapped[str] = mapped_column(Sealed("custody_transfers.to_name"))
    to_agency: Mapped[str] = mapped_column(String(200))
    handed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Interview(db.Model):
    __tablename__ = "interviews"
    __table_args__ = (
        CheckConstraint(one_of("kind", ("joint", "prior", "supplementary")), name="kind"),
        CheckConstraint("ended_at IS NULL OR started_at IS NULL OR ended_at > started_at", name="times"),
        UniqueConstraint("case_id", "sequence", name="case_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    av_reference: Mapped[str] = mapped_column(String(120), default="")
    prior_reference: Mapped[str] = mapped_column(String(120), default="")
    prior_agency: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Sealed("interviews.notes"), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="interviews")
    attendees: Mapped[list[InterviewAttendee]] = relationship(
        cascade="all, delete-orphan", order_by="InterviewAttendee.id"
    )


class InterviewAttendee(db.Model):
    __tablename__ = "interview_attendees"
    # There is deliberately no "suspect" role: a suspect can never be entered as attending.
    __table_args__ = (CheckConstraint(one_of("role", ATTENDEE_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Sealed("interview_attendees.name"))
    role: Mapped[str] = mapped_column(String(24))


class ReinterviewRequest(db.Model):
    __tablename__ = "reinterview_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Sealed("reinterview_requests.reason"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    used_by_interview_id: Mapped[int | None] = mapped_column(ForeignKey("interviews.id"))

    case: Mapped[Case] = relationship(back_populates="reinterview_requests")


class PsychRecord(db.Model):
    """Crisis notes, assessments, plans and sessions. `private_notes` is for psychologists only."""

    __tablename__ = "psych_records"
    __table_args__ = (
        CheckConstraint(one_of("kind", ("crisis", "assessment", "plan", "session")), name="kind"),
        CheckConstraint(f"risk_level IS NULL OR {one_of('risk_level', RISK_LEVELS)}", name="risk_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Sealed("psych_records.summary"), default="")
    private_notes: Mapped[str] = mapped_column(Sealed("psych_records.private_notes"), default="")
    risk_level: Mapped[str | None] = mapped_column(String(10))
    # Assessment scales as numbers, e.g. {"CDI": 21, "SCARED": 30}.
    scales: Mapped[dict | None] = mapped_column(JSON)
    plan_kind: Mapped[str | None] = mapped_column(String(20))
    sessions_planned: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="psych_records")


class Judgment(db.Model):
    """A court judgment recorded on a victim case; one with an employment ban proposes a register entry."""

    __tablename__ = "judgments"
    __table_args__ = (CheckConstraint(one_of("ban", ("none", "until", "lifelong")), name="ban"),
                      CheckConstraint("(ban = 'until') = (ban_until IS NOT NULL)", name="ban_until"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    defendant_name: Mapped[str] = mapped_column(Sealed("judgments.defendant_name"))
    court: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(100))
    judged_on: Mapped[dt.date] = mapped_column(Date)
    ban: Mapped[str] = mapped_column(String(10))
    ban_until: Mapped[dt.date | None] = mapped_column(Date)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("registry_entries.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    entry: Mapped[RegistryEntry | None] = relationship()
