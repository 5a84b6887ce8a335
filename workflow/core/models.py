"""The engine's own tables (history events, tasks), settings, the working-day calendar and
background jobs, and the helpers every feature's models use. Models carry no HTTP and no workflow logic."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.core.extensions import db
from workflow.core.sealing import Sealed

# Models of other features are named, not imported (features import downwards only): SQLAlchemy
# resolves them from its registry once `create_app` has imported every feature.

# Ids are 32-bit integer columns: a larger number names nothing (and SQLite overflows at 2**63).
MAX_ID = 2**31 - 1


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class OfSubject:
    """A row of a case or of its aid application (tasks, history events): `aid_application_id` is set
    for the application's."""

    @property
    def process_name(self) -> str:
        """The process of the row's subject: its aid application's, else its case's."""
        return "aid" if self.aid_application_id is not None else "case"


class Task(OfSubject, db.Model):
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
    __table_args__ = (CheckConstraint(one_of("kind", CALENDAR_KINDS), name="kind"),)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60), default="")
    # Statutory days only, until the year's arrangement is published.
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)


class Event(OfSubject, db.Model):
    """Append-only case history; UPDATE and DELETE are refused by database triggers. What a trigger
    recorded and why are sealed under the case's key as the row is written, once (the stored row
    never changes; shredding the key erases them)."""

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
    changes: Mapped[dict] = mapped_column(Sealed("events.changes", case_key=True), default=dict)
    reason: Mapped[str | None] = mapped_column(Sealed("events.reason", case_key=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")
    aid_application: Mapped[AidApplication | None] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _events_are_append_only(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuntimeError("case events are append-only")


JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """Background work (a batch of documents, later register screenings) with its progress."""

    __tablename__ = "jobs"
    __table_args__ = (CheckConstraint(one_of("status", JOB_STATUSES), name="status"),)

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
