"""What each trigger of the case stores, and who can be put on a case team. Every function taking
the engine's `Context` only touches the session: the engine owns the transaction, checks and history.

Context-dependent validation (a suspect named as an interview attendee, an unknown sample) raises
`Invalid` with the field it concerns; the engine rolls the whole transition back."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow.admin.models import User, UserRole
from workflow.cases.labels import TEAM_ROLES
from workflow.cases.models import (
    Contact,
    CustodyTransfer,
    ForensicExam,
    Injury,
    Interview,
    InterviewAttendee,
    PsychRecord,
    ReinterviewRequest,
    Sample,
    Suspect,
    TeamMember,
)
from workflow.core.clocks import end_of_day, local_today
from workflow.core.errors import Invalid
from workflow.core.extensions import db

if TYPE_CHECKING:
    from workflow.core.engine import Context


# --- intake -----------------------------------------------------------------------------------

def add_contact(ctx: Context) -> None:
    d = ctx.data
    ctx.case.contacts.append(Contact(kind=d["kind"], name=d["name"].strip(), relation=d.get("relation") or "",
                                     phone=d.get("phone") or "", is_suspect=bool(d.get("is_suspect")),
                                     absent=bool(d.get("absent"))))


def add_suspect(ctx: Context) -> None:
    ctx.case.incident.suspects.append(
        Suspect(name=ctx.data["name"].strip(), relation_to_victims=ctx.data.get("relation_to_victims") or "")
    )


def record_consent(ctx: Context) -> None:
    suspects = suspect_names(ctx.case)
    contact = next((c for c in ctx.case.contacts if c.id == ctx.data["given_by"] and c.can_act_for_child
                    and c.name.strip() not in suspects), None)
    if contact is None:
        raise Invalid(_l("Consent must come from a guardian or appropriate adult who is not a suspect."),
                      {"given_by": [str(_l("Not a valid choice."))]})
    ctx.case.consent_given_by = contact.name
    ctx.case.consent_recorded_at = ctx.now
    ctx.case.consent_note = ctx.data.get("note") or ""


def candidates(case) -> list[User]:  # noqa: ARG001 - teams may span agencies (police, hospital)
    """Active users holding at least one team role, by name."""
    stmt = (select(User).join(UserRole).where(User.active.is_(True), UserRole.role.in_(TEAM_ROLES))
            .distinct().order_by(User.full_name))
    return list(db.session.scalars(stmt))


def team_choices(case) -> list[tuple[int, str]]:
    return [(u.id, f"{u.full_name} ({u.agency.name})") for u in candidates(case)]


def assign_member(ctx: Context) -> None:
    role, user_id = ctx.data["role"], ctx.data["user_id"]
    user = next((u for u in candidates(ctx.case) if u.id == user_id), None)
    if user is None or role not in user.roles:
        raise Invalid(_l("This person does not hold that role."), {"user_id": [str(_l("Not a valid choice."))]})
    row = next((m for m in ctx.case.team if m.role == role), None)
    if row is None:
        ctx.case.team.append(TeamMember(role=role, user_id=user.id, user=user, assigned_at=ctx.now))
    else:
        row.user_id, row.user, row.assigned_at = user.id, user, ctx.now
    # Open tasks of that role follow the new member.
    for task in ctx.case.tasks:
        if task.closed_at is None and task.role == role:
            task.assignee_id = user.id


# --- forensic exam ----------------------------------------------------------------------------

def _exam(ctx: Context) -> ForensicExam:
    if ctx.case.exam is None:
        ctx.case.exam = ForensicExam()
    return ctx.case.exam


def approve_exam_exception(ctx: Context) -> None:
    exam = _exam(ctx)
    exam.exception_approved_by_id = ctx.actor.id
    exam.exception_reason = ctx.data["reason"]


def start_exam(ctx: Context) -> None:
    exam = _exam(ctx)
    exam.examiner_id = ctx.actor.id
    exam.started_at = ctx.now


def record_exam(ctx: Context) -> None:
    exam = _exam(ctx)
    exam.findings = ctx.data["findings"]
    exam.injuries.clear()
    for row in ctx.data["injuries"]:
        exam.injuries.append(Injury(body_site=row["body_site"].strip(), description=row.get("description") or ""))


def add_sample(ctx: Context) -> None:
    exam = _exam(ctx)
    label = ctx.data["label"].strip()
    if any(s.label == label for s in exam.samples):
        raise Invalid(_l("A sample with this label exists."), {"label": [str(_l("Labels must be unique."))]})
    exam.samples.append(Sample(label=label, kind=ctx.data["kind"], collected_at=ctx.data["collected_at"]))


def transfer_custody(ctx: Context) -> None:
    sample = next((s for s in ctx.case.exam.samples if s.id == ctx.data["sample_id"]), None)
    if sample is None:
        raise Invalid(_l("Unknown sample."), {"sample_id": [str(_l("Not a valid choice."))]})
    if ctx.data["handed_at"] < sample.collected_at:
        raise Invalid(_l("A hand-over cannot precede the collection."),
                      {"handed_at": [str(_l("Before the sample was collected."))]})
    sample.transfers.append(CustodyTransfer(
        from_name=ctx.data["from_name"], to_name=ctx.data["to_name"], to_agency=ctx.data["to_agency"],
        handed_at=ctx.data["handed_at"], recorded_by_id=ctx.actor.id,
    ))


def complete_exam(ctx: Context) -> None:
    ctx.case.exam.completed_at = ctx.now


def waive_exam(ctx: Context) -> None:
    exam = _exam(ctx)
    exam.waived_by_id = ctx.actor.id
    exam.waive_reason = ctx.data["reason"]


# --- interviews -------------------------------------------------------------------------------

def suspect_names(case) -> set[str]:
    """The incident's suspects and the contacts flagged as suspects, by name."""
    names = {s.name.strip() for s in case.incident.suspects}
    names |= {c.name.strip() for c in case.contacts if c.is_suspect}
    return names


def _check_attendance(case, attendees: list[dict]) -> None:
    """A suspect never attends; interviewer, psychologist and a guardian or appropriate adult must."""
    suspects = suspect_names(case)
    named_suspects = [a["name"] for a in attendees if a["name"].strip() in suspects]
    if named_suspects:
        raise Invalid(_l("A suspect can never attend the interview: %(names)s.", names=", ".join(named_suspects)),
                      {"attendees": [str(_l("A suspect can never attend the interview."))]})
    roles = {a["role"] for a in attendees}
    missing = []
    if "interviewer" not in roles:
        missing.append(str(_l("interviewer")))
    if "psychologist" not in roles:
        missing.append(str(_l("psychologist")))
    if not roles & {"guardian", "appropriate_adult"}:
        missing.append(str(_l("guardian or appropriate adult")))
    if missing:
        message = _l("Attendance must include: %(roles)s.", roles="、".join(missing))
        raise Invalid(message, {"attendees": [str(message)]})


def _add_interview(ctx: Context, kind: str, **fields) -> Interview:
    case = ctx.case
    interview = Interview(kind=kind, sequence=len(case.interviews) + 1, recorded_by_id=ctx.actor.id, **fields)
    case.interviews.append(interview)
    case.interview_count += 1
    return interview


def _recorded_interview(ctx: Context, kind: str) -> Interview:
    d = ctx.data
    _check_attendance(ctx.case, d["attendees"])
    interview = _add_interview(ctx, kind, started_at=d["started_at"], ended_at=d["ended_at"],
                               av_reference=d["av_reference"], notes=d.get("notes") or "")
    for row in d["attendees"]:
        interview.attendees.append(InterviewAttendee(name=row["name"].strip(), role=row["role"]))
    return interview


def record_joint_interview(ctx: Context) -> None:
    _recorded_interview(ctx, "joint")


def record_prior_interview(ctx: Context) -> None:
    d = ctx.data
    _add_interview(ctx, "prior", started_at=d["started_at"], prior_reference=d["prior_reference"],
                   prior_agency=d["prior_agency"], notes=d["reason"])


def request_reinterview(ctx: Context) -> None:
    ctx.case.reinterview_requests.append(
        ReinterviewRequest(reason=ctx.data["reason"], requested_by_id=ctx.actor.id, requested_at=ctx.now)
    )


def _pending_request(case) -> ReinterviewRequest:
    return next(r for r in case.reinterview_requests if r.used_by_interview_id is None)


def approve_reinterview(ctx: Context) -> None:
    request = _pending_request(ctx.case)
    request.approved_by_id = ctx.actor.id
    request.approved_at = ctx.now


def record_supplementary_interview(ctx: Context) -> None:
    request = _pending_request(ctx.case)
    interview = _recorded_interview(ctx, "supplementary")
    db.session.flush()
    request.used_by_interview_id = interview.id


# --- psychological support --------------------------------------------------------------------

def psych_record(kind: str):
    def apply(ctx: Context) -> None:
        d = ctx.data
        ctx.case.psych_records.append(PsychRecord(
            kind=kind, occurred_on=d["occurred_on"], summary=d["summary"],
            private_notes=d.get("private_notes") or "", risk_level=d.get("risk_level"),
            scales=d.get("scales"), plan_kind=d.get("plan_kind"), sessions_planned=d.get("sessions_planned"),
            recorded_by_id=ctx.actor.id,
        ))

    apply.__name__ = f"record_{kind}"
    return apply


# --- suspension -------------------------------------------------------------------------------

def suspend(ctx: Context) -> None:
    ctx.case.suspended_at = ctx.now
    ctx.case.suspend_reason = ctx.data["reason"]


def resume(ctx: Context) -> None:
    """The clocks of the case and its aid applications move on by the paused span."""
    case = ctx.case
    paused = ctx.now - case.suspended_at
    for task in case.tasks:
        if task.is_open:
            task.paused_seconds += int(paused.total_seconds())
            task.move_due(task.due_at + paused, ctx.now)
    case.suspended_at = None
    case.suspend_reason = None


MAX_EXTENSION = dt.timedelta(days=366)


def extend_clock(ctx: Context) -> None:
    """A supervisor gives one open task (the case's or its aid application's) a later due day."""
    task = next((t for t in ctx.case.tasks if t.id == ctx.data["task_id"] and t.is_open), None)
    if task is None:
        raise Invalid(_l("Choose an open task."), {"task_id": [str(_l("Choose an open task."))]})
    due = end_of_day(ctx.data["new_due"])
    if due <= max(task.due_at, ctx.now):
        message = _l("The new due day must be later than the current due time and in the future.")
        raise Invalid(message, {"new_due": [str(message)]})
    if ctx.data["new_due"] > local_today(ctx.now) + MAX_EXTENSION:
        message = _l("A deadline can be extended by at most a year.")
        raise Invalid(message, {"new_due": [str(message)]})
    ctx.data["previous_due"] = task.due_at.isoformat()  # for the history
    task.move_due(due, ctx.now)
    task.extended_at = ctx.now
