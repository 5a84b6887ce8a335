"""Database models (SQLAlchemy 2, typed columns). Models carry no HTTP and no workflow logic."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_login import UserMixin
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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

ROLES = (
    "intake_officer",
    "examiner",
    "interviewer",
    "psychologist",
    "case_prosecutor",
    "aid_officer",
    "aid_approver",
    "finance_officer",
    "social_worker",
    "supervisor",
    "registry_maintainer",
    "employer_hr",
    "auditor",
    "admin",
)
# Roles that can be members of a case team (the others never read case content).
TEAM_ROLES = (
    "intake_officer",
    "examiner",
    "interviewer",
    "psychologist",
    "case_prosecutor",
    "social_worker",
)
AGENCY_KINDS = (
    "centre",
    "hospital",
    "procuratorate",
    "police",
    "womens_federation",
    "civil_affairs",
    "education",
    "school",
    "court",
    "justice_bureau",
    "disabled_persons_federation",
    "it",
)
# Approver levels of aid_approver users, lowest first (the approval matrix picks one).
AID_LEVELS = ("department_head", "deputy_chief", "chief")
REFERRAL_SOURCES = ("police", "hospital", "school_report", "hotline_12338", "womens_federation", "self")
SEXES = ("F", "M")
ATTENDEE_ROLES = ("interviewer", "psychologist", "guardian", "appropriate_adult", "interpreter", "recorder", "other")
VISIT_MODES = ("home", "school", "phone")
RISK_LEVELS = ("low", "medium", "high")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Agency(db.Model):
    __tablename__ = "agencies"
    __table_args__ = (CheckConstraint(_in("kind", AGENCY_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(100), default="")
    # The start of its documents' issue numbers (文号), e.g. 穗检未 for 穗检未助〔2026〕12号.
    doc_prefix: Mapped[str] = mapped_column(String(20), default="", server_default="")

    users: Mapped[list[User]] = relationship(back_populates="agency")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("sex", SEXES), name="sex"),
                      CheckConstraint(f"aid_level IS NULL OR {_in('aid_level', AID_LEVELS)}", name="aid_level"))

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
        CheckConstraint(_in("role", ROLES), name="role"),
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


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


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
    name: Mapped[str] = mapped_column(String(120))
    relation_to_victims: Mapped[str] = mapped_column(String(80), default="")

    incident: Mapped[Incident] = relationship(back_populates="suspects")


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("referral_source", REFERRAL_SOURCES), name="referral_source"),
        CheckConstraint(_in("child_sex", SEXES), name="child_sex"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("interview_count >= 0", name="interview_count"),
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
    referral_detail: Mapped[str] = mapped_column(Text, default="")
    child_name: Mapped[str] = mapped_column(String(120), index=True)
    child_sex: Mapped[str] = mapped_column(String(1))
    child_birth_date: Mapped[dt.date] = mapped_column(Date)
    child_id_number: Mapped[str | None] = mapped_column(String(32), index=True)

    consent_given_by: Mapped[str | None] = mapped_column(String(120))
    consent_recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    consent_note: Mapped[str] = mapped_column(Text, default="")

    suspended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    suspend_reason: Mapped[str | None] = mapped_column(Text)
    interview_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

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

    def task_agency_id(self, role: str) -> int | None:
        """The agency whose members of `role` share an unassigned task (supervisors of the centre)."""
        return self.centre_id if role == "supervisor" else None

    def member(self, role: str) -> User | None:
        for row in self.team:
            if row.role == role:
                return row.user
        return None

    def member_roles(self, user: User) -> set[str]:
        return {row.role for row in self.team if row.user_id == user.id}

    @property
    def guardians(self) -> list[Contact]:
        return [c for c in self.contacts if c.kind == "guardian"]

    @property
    def appropriate_adults(self) -> list[Contact]:
        return [c for c in self.contacts if c.kind == "appropriate_adult"]

    def age_on(self, day: dt.date) -> int:
        born = self.child_birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Contact(db.Model):
    """A guardian or an appropriate adult of the child."""

    __tablename__ = "contacts"
    __table_args__ = (CheckConstraint(_in("kind", ("guardian", "appropriate_adult")), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    relation: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
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
        CheckConstraint(_in("role", TEAM_ROLES), name="role"),
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
    findings: Mapped[str] = mapped_column(Text, default="")
    # Supervisor-approved exception to the female-examiner rule for girls.
    exception_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    exception_reason: Mapped[str | None] = mapped_column(Text)
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waive_reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="exam")
    examiner: Mapped[User | None] = relationship(foreign_keys=[examiner_id])
    exception_approved_by: Mapped[User | None] = relationship(foreign_keys=[exception_approved_by_id])
    injuries: Mapped[list[Injury]] = relationship(cascade="all, delete-orphan", order_by="Injury.id")
    samples: Mapped[list[Sample]] = relationship(cascade="all, delete-orphan", order_by="Sample.id")


class Injury(db.Model):
    __tablename__ = "injuries"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("forensic_exams.id", ondelete="CASCADE"), index=True)
    body_site: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)


class Sample(db.Model):
    __tablename__ = "samples"
    __table_args__ = (UniqueConstraint("exam_id", "label", name="exam_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("forensic_exams.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(80))
    collected_at: Mapped[dt.datetime] = mapped_column(DateTime)

    transfers: Mapped[list[CustodyTransfer]] = relationship(
        cascade="all, delete-orphan", order_by="CustodyTransfer.id"
    )


class CustodyTransfer(db.Model):
    """One hand-over in a sample's chain of custody."""

    __tablename__ = "custody_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    from_name: Mapped[str] = mapped_column(String(120))
    to_name: Mapped[str] = mapped_column(String(120))
    to_agency: Mapped[str] = mapped_column(String(200))
    handed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Interview(db.Model):
    __tablename__ = "interviews"
    __table_args__ = (
        CheckConstraint(_in("kind", ("joint", "prior", "supplementary")), name="kind"),
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
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="interviews")
    attendees: Mapped[list[InterviewAttendee]] = relationship(
        cascade="all, delete-orphan", order_by="InterviewAttendee.id"
    )


class InterviewAttendee(db.Model):
    __tablename__ = "interview_attendees"
    # There is deliberately no "suspect" role: a suspect can never be entered as attending.
    __table_args__ = (CheckConstraint(_in("role", ATTENDEE_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(24))


class ReinterviewRequest(db.Model):
    __tablename__ = "reinterview_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
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
        CheckConstraint(_in("kind", ("crisis", "assessment", "plan", "session")), name="kind"),
        CheckConstraint(f"risk_level IS NULL OR {_in('risk_level', RISK_LEVELS)}", name="risk_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    private_notes: Mapped[str] = mapped_column(Text, default="")
    risk_level: Mapped[str | None] = mapped_column(String(10))
    # Assessment scales as numbers, e.g. {"CDI": 21, "SCARED": 30}.
    scales: Mapped[dict | None] = mapped_column(JSON)
    plan_kind: Mapped[str | None] = mapped_column(String(20))
    sessions_planned: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="psych_records")


AID_STATES = ("flagged", "applied", "accepted", "investigating", "proposed", "approved", "rejected",
              "disbursing", "disbursed", "not_accepted", "withdrawn")
# Applications ended without aid; any other one blocks a second application for the same child.
AID_ENDED_WITHOUT_AID = ("rejected", "not_accepted", "withdrawn")
APPLICANT_KINDS = ("guardian", "legal_representative")


class AidApplication(db.Model):
    """A judicial aid application for one child victim (its case), handled by a procuratorate."""

    __tablename__ = "aid_applications"
    __table_args__ = (
        CheckConstraint(_in("state", AID_STATES), name="state"),
        CheckConstraint(f"applicant_kind IS NULL OR {_in('applicant_kind', APPLICANT_KINDS)}",
                        name="applicant_kind"),
        CheckConstraint(f"required_level IS NULL OR {_in('required_level', AID_LEVELS)}", name="required_level"),
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
    flag_note: Mapped[str] = mapped_column(Text, default="")
    flagged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    flagged_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    applicant_name: Mapped[str | None] = mapped_column(String(120))
    applicant_kind: Mapped[str | None] = mapped_column(String(24))
    applicant_phone: Mapped[str] = mapped_column(String(40), default="")
    requested_fen: Mapped[int | None] = mapped_column(BigInteger)
    documents: Mapped[list] = mapped_column(JSON, default=list)
    statement: Mapped[str] = mapped_column(Text, default="")
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    refusal_grounds: Mapped[list] = mapped_column(JSON, default=list)

    household_size: Mapped[int | None] = mapped_column(Integer)
    monthly_income_fen: Mapped[int | None] = mapped_column(BigInteger)
    losses_fen: Mapped[int | None] = mapped_column(BigInteger)
    finances_note: Mapped[str] = mapped_column(Text, default="")
    finances_recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    proposed_fen: Mapped[int | None] = mapped_column(BigInteger)
    county_fen: Mapped[int | None] = mapped_column(BigInteger)
    city_fen: Mapped[int | None] = mapped_column(BigInteger)
    province_fen: Mapped[int | None] = mapped_column(BigInteger)
    instalments: Mapped[list] = mapped_column(JSON, default=list)
    supervised_account: Mapped[str] = mapped_column(String(200), default="")
    cap_fen: Mapped[int | None] = mapped_column(BigInteger)
    over_cap_reason: Mapped[str] = mapped_column(Text, default="")
    required_level: Mapped[str | None] = mapped_column(String(20))
    proposal_note: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    approved_fen: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    meeting: Mapped[dict | None] = mapped_column(JSON)
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
    request: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    report: Mapped[str | None] = mapped_column(Text)
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
        CheckConstraint(_in("kind", LEDGER_KINDS), name="kind"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(f"method IS NULL OR {_in('method', PAYMENT_METHODS)}", name="method"),
        CheckConstraint(f"recovery_reason IS NULL OR {_in('recovery_reason', RECOVERY_REASONS)}",
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
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    application: Mapped[AidApplication] = relationship(back_populates="ledger")


REFERRAL_KINDS = ("minimum_living_allowance", "fee_waiver", "disability_certificate", "legal_aid",
                  "psychological_counselling", "protection_order", "student_aid", "civil_support_prosecution",
                  "employment_guidance", "other")
REFERRAL_STATUSES = ("sent", "acknowledged", "completed", "declined", "closed")
REFERRAL_OPEN = ("sent", "acknowledged")


class Referral(db.Model):
    """A "judicial aid +" referral of the child or family to a social-assistance agency."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(_in("kind", REFERRAL_KINDS), name="kind"),
        CheckConstraint(_in("status", REFERRAL_STATUSES), name="status"),
        CheckConstraint("status <> 'closed' OR close_reason IS NOT NULL", name="close_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="sent")
    outcome: Mapped[str] = mapped_column(Text, default="")
    close_reason: Mapped[str | None] = mapped_column(Text)
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


class AverageWage(db.Model):
    """Average monthly wage per year and region: the aid cap is 36 times it."""

    __tablename__ = "average_wages"
    __table_args__ = (UniqueConstraint("year", "region", name="year_region"),
                      CheckConstraint("monthly_fen > 0", name="monthly_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(100))
    monthly_fen: Mapped[int] = mapped_column(BigInteger)


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint(_in("status", ("scheduled", "done", "cancelled")), name="status"),
        CheckConstraint(f"mode IS NULL OR {_in('mode', VISIT_MODES)}", name="mode"),
        CheckConstraint("satisfaction IS NULL OR (satisfaction BETWEEN 1 AND 5)", name="satisfaction"),
        CheckConstraint("status <> 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    mode: Mapped[str | None] = mapped_column(String(10))
    attendees: Mapped[str] = mapped_column(Text, default="")
    wellbeing: Mapped[str] = mapped_column(Text, default="")
    school_attendance: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[str] = mapped_column(Text, default="")
    aid_use: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="visits")


class Task(db.Model):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # Set for tasks of the case's aid application (then `state` is one of the application's).
    aid_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("aid_applications.id", ondelete="CASCADE"), index=True)
    # The state that opened the task, or the trigger (tasks a trigger opens outlive states).
    state: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(32))
    # The team member of that role when opened; NULL for tasks shared by the role's members of
    # `agency_id` (centre supervisors, a procuratorate's aid approvers or finance officers).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The clock: started on its start event (may precede `opened_at`), runs out at `due_at`, which
    # resuming a suspended case moves on by the paused span and a supervisor's extension moves on.
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    extended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Escalation steps done for the current due time (reset when the due time moves into the future).
    due_soon_notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    overdue_notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="tasks")
    aid_application: Mapped[AidApplication | None] = relationship(back_populates="tasks")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def move_due(self, due: dt.datetime, now: dt.datetime) -> None:
        """A new due time; once it lies ahead again, the escalation steps start over for it."""
        self.due_at = due
        if due > now:
            self.due_soon_notified_at = self.overdue_notified_at = self.escalated_at = None


CALENDAR_KINDS = ("holiday", "workday")


class CalendarDay(db.Model):
    """A public holiday (no work on a weekday) or a make-up working day (work on a weekend)."""

    __tablename__ = "calendar_days"
    __table_args__ = (CheckConstraint(_in("kind", CALENDAR_KINDS), name="kind"),)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60), default="")
    # Statutory days only, until the year's arrangement is published.
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)


NOTIFICATION_KINDS = ("due_soon", "overdue", "escalated")


class Notification(db.Model):
    """An in-app notice to a staff user about a task's clock (also e-mailed when SMTP is set).

    One per user, task, kind and due time: escalation runs are idempotent by this constraint.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_in("kind", NOTIFICATION_KINDS), name="kind"),
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


class Event(db.Model):
    """Append-only case history; UPDATE and DELETE are refused by database triggers."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # Events of the case's aid application carry it; `case_version` is then the application's.
    aid_application_id: Mapped[int | None] = mapped_column(ForeignKey("aid_applications.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    case_version: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")
    aid_application: Mapped[AidApplication | None] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _events_are_append_only(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuntimeError("case events are append-only")


def next_number(prefix: str, model: type[Case] | type[Incident] | type[AidApplication]) -> str:
    """Human case/incident numbers like C2026-0007, unique per year (backed by a unique column)."""
    from .clocks import local_today  # (clocks imports the models)

    year = local_today().year  # the centre's year, also in the first hours of 1 January
    stem = f"{prefix}{year}-"
    last = db.session.scalar(
        select(func.max(model.number)).where(model.number.like(stem + "%"))
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{seq:04d}"


DOCUMENT_STATUSES = ("draft", "final")


class Document(db.Model):
    """One generated version of a document: the PDF's hash, where its bytes are stored, the template
    and data it was rendered from, and who issued it. Rows are never changed or deleted (database
    triggers refuse it): re-generating adds a version, so a final document stays as issued.

    `key` names the logical document (subject, document, item, recipient); its versions count up
    from 1. The issue number is given to its first final version and kept by later ones.
    """

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(_in("status", DOCUMENT_STATUSES), name="status"),
        CheckConstraint("status = 'draft' OR number IS NOT NULL", name="final_numbered"),
        UniqueConstraint("key", "version", name="uq_documents_key_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    aid_application_id: Mapped[int | None] = mapped_column(ForeignKey("aid_applications.id"), index=True)
    # An entry inquiry's result notice is about the inquiry, not a case.
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("registry_inquiries.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    number: Mapped[str | None] = mapped_column(String(240), index=True)  # the prefix may be a long agency name
    template: Mapped[str] = mapped_column(String(60))
    template_version: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # Printed in the footer and the QR code: opens this version on the public verification page.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(120))
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    generated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)

    case: Mapped[Case | None] = relationship()
    aid_application: Mapped[AidApplication | None] = relationship()
    agency: Mapped[Agency] = relationship()
    generated_by: Mapped[User | None] = relationship()

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


@event.listens_for(Document, "before_update")
@event.listens_for(Document, "before_delete")
def _documents_are_immutable(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuntimeError("documents are immutable; generate a new version")


class DocumentBlob(db.Model):
    """PDF and archive bytes, for the database document store (the default)."""

    __tablename__ = "document_blobs"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class IssueCounter(db.Model):
    """The last issue number per agency, series and year (穗检未助〔2026〕12号: agency 穗检未, series 助)."""

    __tablename__ = "issue_counters"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """Background work (a batch of documents, later register screenings) with its progress."""

    __tablename__ = "jobs"
    __table_args__ = (CheckConstraint(_in("status", JOB_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    owner: Mapped[User] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


# --- the register of offenders against minors ---------------------------------------------------

# Conviction for rape, indecency, child molestation or a similar offence; a relevant
# non-prosecution; an administrative penalty for indecency; an employment ban (until a day or for life).
REGISTRY_CATEGORIES = ("conviction_rape", "conviction_indecency", "conviction_molestation", "conviction_similar",
                       "non_prosecution", "administrative_penalty", "employment_ban")
ID_TYPES = ("resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident", "other")
# pending: proposed, awaiting a second maintainer; active: matches; rejected / removed: never matches.
ENTRY_STATUSES = ("pending", "active", "rejected", "removed")
CHANGE_KINDS = ("create", "correct", "remove")
CHANGE_STATUSES = ("open", "approved", "rejected")
INQUIRY_RESULTS = ("record", "no_record", "pending_review")
RECHECK_STATUSES = ("open", "upheld", "corrected")
ALERT_KINDS = ("misses_in_a_row", "sequential_ids", "many_ids_one_person")


class RegistryEntry(db.Model):
    """A person's record in the register. Who the person is lives only in `person` (encrypted with the
    register key); matching uses keyed hashes of the ID number and of name + birth date, so the
    database alone reveals nobody. An entry matches while active and, for a ban with an end date,
    until that day; any change goes through a `RegistryChange` that a second maintainer approves."""

    __tablename__ = "registry_entries"
    __table_args__ = (
        CheckConstraint(_in("status", ENTRY_STATUSES), name="status"),
        CheckConstraint(_in("category", REGISTRY_CATEGORIES), name="category"),
        CheckConstraint(_in("id_type", ID_TYPES), name="id_type"),
        # A ban has an end day or is lifelong; other categories carry neither.
        CheckConstraint("(category = 'employment_ban') = (ban_lifelong OR ban_until IS NOT NULL)", name="ban"),
        CheckConstraint("NOT (ban_lifelong AND ban_until IS NOT NULL)", name="ban_one_kind"),
        Index("ix_registry_entries_id_match", "id_hmac", "status"),
        Index("ix_registry_entries_name_match", "name_dob_hmac", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    id_type: Mapped[str] = mapped_column(String(32))
    id_hmac: Mapped[str] = mapped_column(String(64))
    name_dob_hmac: Mapped[str] = mapped_column(String(64))
    person: Mapped[bytes] = mapped_column(LargeBinary)  # sealed {name, id_type, id_number, birth_date}
    category: Mapped[str] = mapped_column(String(32))
    ban_lifelong: Mapped[bool] = mapped_column(Boolean, default=False)
    ban_until: Mapped[dt.date | None] = mapped_column(Date)
    source_document: Mapped[str] = mapped_column(String(200))
    source_date: Mapped[dt.date] = mapped_column(Date)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    incident: Mapped[Incident | None] = relationship()
    changes: Mapped[list[RegistryChange]] = relationship(back_populates="entry", order_by="RegistryChange.id")


class RegistryChange(db.Model):
    """A proposed creation, correction or removal of an entry, and its decision (four-eyes: the
    database refuses a decision by the proposer). The rows are the entry's history."""

    __tablename__ = "registry_changes"
    __table_args__ = (
        CheckConstraint(_in("kind", CHANGE_KINDS), name="kind"),
        CheckConstraint(_in("status", CHANGE_STATUSES), name="status"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> proposed_by_id", name="four_eyes"),
        CheckConstraint("(status = 'open') = (decided_by_id IS NULL)", name="decided"),
        CheckConstraint("kind <> 'correct' OR proposed IS NOT NULL", name="correction_values"),
        # One open change per entry: a second proposal waits for the first decision.
        Index("uq_registry_changes_open", "entry_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("registry_entries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="open")
    # Sealed entry values: after the change (a correction) and before it (the corrected values).
    proposed: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    entry: Mapped[RegistryEntry] = relationship(back_populates="changes")
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Judgment(db.Model):
    """A court judgment recorded on a victim case; one with an employment ban proposes a register entry."""

    __tablename__ = "judgments"
    __table_args__ = (CheckConstraint(_in("ban", ("none", "until", "lifelong")), name="ban"),
                      CheckConstraint("(ban = 'until') = (ban_until IS NOT NULL)", name="ban_until"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    defendant_name: Mapped[str] = mapped_column(String(120))
    court: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(100))
    judged_on: Mapped[dt.date] = mapped_column(Date)
    ban: Mapped[str] = mapped_column(String(10))
    ban_until: Mapped[dt.date | None] = mapped_column(Date)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("registry_entries.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    entry: Mapped[RegistryEntry | None] = relationship()


class RegistryInquiry(db.Model):
    """One logged inquiry: which employer's user asked, when, for which post, and the answer. The
    person is kept as keyed hashes, and sealed in `person` where a notice, review or re-check needs it
    (single inquiries, and the rows of a batch that did not answer `no_record`)."""

    __tablename__ = "registry_inquiries"
    __table_args__ = (
        CheckConstraint(_in("result", INQUIRY_RESULTS), name="result"),
        CheckConstraint("consent", name="consent"),  # no inquiry without the person's consent
        CheckConstraint("result = 'no_record' OR person IS NOT NULL", name="person_kept"),
        Index("ix_registry_inquiries_agency_time", "agency_id", "created_at"),
        # The rate limit and the enumeration watch read an employer's recent single inquiries.
        Index("ix_registry_inquiries_single", "agency_id", "created_at",
              sqlite_where=text("job_id IS NULL"), postgresql_where=text("job_id IS NULL")),
        UniqueConstraint("job_id", "row_no", name="uq_registry_inquiries_job_row"),  # also finds a batch's rows
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    row_no: Mapped[int | None] = mapped_column(Integer)
    id_hmac: Mapped[str] = mapped_column(String(64))
    name_dob_hmac: Mapped[str] = mapped_column(String(64))
    person: Mapped[bytes | None] = mapped_column(LargeBinary)
    post: Mapped[str] = mapped_column(String(120), default="")
    consent: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[str] = mapped_column(String(16))
    # The entry behind a `record` or `pending_review` answer: for maintainers only, never shown to employers.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("registry_entries.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    agency: Mapped[Agency] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    recheck: Mapped[RegistryRecheck | None] = relationship(back_populates="inquiry", uselist=False)


class RegistryRecheck(db.Model):
    """An employer's request to re-check a `record` answer, resolved by a maintainer."""

    __tablename__ = "registry_rechecks"
    __table_args__ = (CheckConstraint(_in("status", RECHECK_STATUSES), name="status"),
                      CheckConstraint("(status = 'open') = (resolved_by_id IS NULL)", name="resolved"))

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("registry_inquiries.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="open")
    # Shown to the employer: says what was re-checked and the outcome, never the record's content.
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    inquiry: Mapped[RegistryInquiry] = relationship(back_populates="recheck")


class RegistryAlert(db.Model):
    """A pattern in an employer's inquiries that looks like enumeration, for maintainers to look at
    (one per employer, kind and day)."""

    __tablename__ = "registry_alerts"
    __table_args__ = (CheckConstraint(_in("kind", ALERT_KINDS), name="kind"),
                      UniqueConstraint("agency_id", "kind", "day", name="uq_registry_alerts_daily"))

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(String(24))
    day: Mapped[dt.date] = mapped_column(Date)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    agency: Mapped[Agency] = relationship()
