"""The victim-case process definition: states, triggers, roles, guards, forms, tasks and clocks.

This module is the single source of truth the engine interprets, the diagram is drawn from and
the API publishes. Guards are small functions of the case returning the unmet reason or None.
Triggers with `dest=None` record data within a state (an internal transition): they pass through
the same checks, version bump and history as state changes.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from forms.aid import FlagAidForm
from forms.base import ActionForm, ConfirmForm, ReasonForm
from forms.exam import AddSampleForm, CustodyTransferForm, ExamFindingsForm
from forms.followup import AddVisitForm, CancelVisitForm, VisitForm
from forms.intake import AddContactForm, AddSuspectForm, ConsentForm, CreateCaseForm
from forms.interview import InterviewForm, PriorInterviewForm
from forms.psych import AssessmentForm, PlanForm, PsychNoteForm
from forms.team import AssignMemberForm

from . import stages

VERSION = 1

Guard = Callable[["Case"], "str | None"]  # noqa: F821 - Case is only named for readers


@dataclass(frozen=True)
class Clock:
    """How long the acting role has: calendar hours or working days, from entering `since`
    (a state; default the state that opened the task)."""

    hours: int = 0
    working_days: int = 0
    days: int = 0
    since: str | None = None


@dataclass(frozen=True)
class TaskSpec:
    role: str
    title: str  # lazy string
    clock: Clock


@dataclass(frozen=True)
class State:
    name: str
    label: str  # lazy string
    tasks: tuple[TaskSpec, ...] = ()
    terminal: bool = False
    on_enter: Callable | None = None


@dataclass(frozen=True)
class Transition:
    trigger: str
    label: str  # lazy string
    sources: tuple[str, ...]
    dest: str | None
    roles: tuple[str, ...]
    form: type[ActionForm] = ConfirmForm
    guards: tuple[Guard, ...] = ()
    apply: Callable | None = None
    # The data compartment whose readers may see the submitted values in the history.
    compartment: str | None = None
    allowed_while_suspended: bool = False
    # Fired by the system (the aid module), never offered to a user.
    automatic: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def internal(self) -> bool:
        return self.dest is None


# --- guards -----------------------------------------------------------------------------------

def guardian_or_adult_recorded(case) -> str | None:
    usable_guardians = [g for g in case.guardians if g.can_act_for_child]
    if not case.contacts:
        return _l("Record a guardian or an appropriate adult.")
    if not usable_guardians and not case.appropriate_adults:
        return _l("The guardian is a suspect or absent: an appropriate adult must be recorded.")
    return None


def consent_recorded(case) -> str | None:
    if case.consent_recorded_at is None:
        return _l("Record the guardian's (or appropriate adult's) consent.")
    return None


def team_complete(case) -> str | None:
    missing = [r for r in ("examiner", "interviewer", "psychologist", "case_prosecutor") if case.member(r) is None]
    if missing:
        from .labels import role_label

        return _l("The team lacks: %(roles)s.", roles="、".join(str(role_label(r)) for r in missing))
    return None


def female_examiner_for_girls(case) -> str | None:
    examiner = case.member("examiner")
    if examiner is None:
        return _l("No examiner is assigned to the team.")
    if case.child_sex == "F" and examiner.sex != "F":
        exam = case.exam
        if exam is None or exam.exception_approved_by_id is None:
            return _l("A girl must be examined by a female examiner, unless a supervisor approves an exception.")
    return None


def exam_not_excepted_yet(case) -> str | None:
    if case.exam is not None and case.exam.exception_approved_by_id is not None:
        return _l("An exception has already been approved.")
    if case.child_sex != "F":
        return _l("The female-examiner rule only applies to girls.")
    return None


def findings_recorded(case) -> str | None:
    if case.exam is None or not case.exam.findings.strip():
        return _l("Record the exam findings first.")
    return None


def samples_handed_over(case) -> str | None:
    pending = [s.label for s in (case.exam.samples if case.exam else []) if not s.transfers]
    if pending:
        return _l("Samples without a custody hand-over: %(labels)s.", labels=", ".join(pending))
    return None


def has_samples(case) -> str | None:
    if case.exam is None or not case.exam.samples:
        return _l("No samples have been recorded.")
    return None


def no_interview_yet(case) -> str | None:
    if case.interview_count > 0:
        return _l("The child has already been interviewed; a further interview needs an approved re-interview request.")
    return None


def has_been_interviewed(case) -> str | None:
    if case.interview_count == 0:
        return _l("The child has not been interviewed yet.")
    return None


def _pending_reinterview(case):
    return next((r for r in case.reinterview_requests if r.used_by_interview_id is None), None)


def no_pending_reinterview(case) -> str | None:
    if _pending_reinterview(case) is not None:
        return _l("A re-interview request is already pending.")
    return None


def reinterview_requested(case) -> str | None:
    pending = _pending_reinterview(case)
    if pending is None:
        return _l("No re-interview has been requested.")
    if pending.approved_at is not None:
        return _l("The re-interview request is already approved.")
    return None


def reinterview_approved(case) -> str | None:
    pending = _pending_reinterview(case)
    if pending is None or pending.approved_at is None:
        return _l("A supplementary interview needs a re-interview request approved by the supervisor.")
    return None


def _psych(case, kind):
    return [r for r in case.psych_records if r.kind == kind]


def assessment_and_plan_recorded(case) -> str | None:
    if not _psych(case, "assessment"):
        return _l("Record the psychological assessment.")
    if not _psych(case, "plan"):
        return _l("Record the intervention plan (sessions or external referral).")
    return None


def _open_aid_flag(case):
    return next((f for f in case.aid_flags if f.concluded_at is None), None)


def no_open_aid_flag(case) -> str | None:
    if _open_aid_flag(case) is not None:
        return _l("Judicial aid is flagged: the aid application must end first.")
    return None


def aid_flag_concluded(case) -> str | None:
    if not case.aid_flags or _open_aid_flag(case) is not None:
        return _l("The aid application has not ended.")
    return None


def visits_settled(case) -> str | None:
    open_visits = [v for v in case.visits if v.status == "scheduled"]
    if open_visits:
        return _l("%(n)d scheduled visit(s) are neither done nor cancelled.", n=len(open_visits))
    return None


def has_open_visits(case) -> str | None:
    if not any(v.status == "scheduled" for v in case.visits):
        return _l("There is no scheduled visit.")
    return None


def not_suspended(case) -> str | None:
    return _l("The case is already suspended.") if case.suspended else None


def is_suspended(case) -> str | None:
    return None if case.suspended else _l("The case is not suspended.")


# --- states -----------------------------------------------------------------------------------

STATES: tuple[State, ...] = (
    State("referred", _l("Referred"),
          tasks=(TaskSpec("intake_officer", _l("Register the case"), Clock(hours=24)),)),
    State("registered", _l("Registered"),
          tasks=(TaskSpec("examiner", _l("Start the forensic exam"), Clock(hours=24)),)),
    State("forensic_exam", _l("Forensic exam"),
          tasks=(TaskSpec("examiner", _l("Complete the exam and hand over samples"),
                          Clock(working_days=3, since="forensic_exam")),)),
    State("joint_interview", _l("Joint interview"),
          tasks=(TaskSpec("interviewer", _l("Hold the joint interview"),
                          Clock(working_days=3, since="forensic_exam")),)),
    State("psych_intervention", _l("Psychological intervention"),
          tasks=(TaskSpec("psychologist", _l("Assess and plan the intervention"), Clock(working_days=5)),)),
    State("aid_review", _l("Aid review"),
          tasks=(TaskSpec("case_prosecutor", _l("Decide on judicial aid"), Clock(working_days=5)),)),
    State("follow_up", _l("Follow-up"),
          tasks=(TaskSpec("social_worker", _l("Carry out return visits, then request closure"), Clock(days=200)),),
          on_enter=stages.schedule_visits),
    State("closure_review", _l("Closure review"),
          tasks=(TaskSpec("supervisor", _l("Review the closure request"), Clock(working_days=5)),)),
    State("closed", _l("Closed"), terminal=True),
    State("withdrawn", _l("Withdrawn"), terminal=True),
)
STATE_NAMES = tuple(s.name for s in STATES)
STATE_BY_NAME = {s.name: s for s in STATES}
INITIAL = "referred"
OPEN = tuple(s.name for s in STATES if not s.terminal)
FROM_REGISTERED = OPEN[1:]
AFTER_INTERVIEW = ("psych_intervention", "aid_review", "follow_up", "closure_review")
EXAM_ONWARDS = ("forensic_exam", "joint_interview", *AFTER_INTERVIEW)

# --- transitions ------------------------------------------------------------------------------

CREATE = Transition("create", _l("Create a referral"), (), INITIAL, ("intake_officer", "case_prosecutor"),
                    form=CreateCaseForm)

TRANSITIONS: tuple[Transition, ...] = (
    # intake
    Transition("add_contact", _l("Add a guardian or appropriate adult"), OPEN, None,
               ("intake_officer", "case_prosecutor"), form=AddContactForm, apply=stages.add_contact),
    Transition("add_suspect", _l("Add a suspect"), OPEN, None, ("intake_officer", "case_prosecutor"),
               form=AddSuspectForm, apply=stages.add_suspect),
    Transition("record_consent", _l("Record consent"), ("referred", "registered"), None, ("intake_officer",),
               form=ConsentForm, apply=stages.record_consent),
    Transition("assign_member", _l("Assign a team member"), OPEN, None, ("supervisor",),
               form=AssignMemberForm, apply=stages.assign_member, allowed_while_suspended=True),
    Transition("register", _l("Register the case"), ("referred",), "registered", ("intake_officer",),
               guards=(guardian_or_adult_recorded, consent_recorded, team_complete)),
    Transition("withdraw", _l("Withdraw"), ("referred", "registered"), "withdrawn", ("supervisor",),
               form=ReasonForm),
    # forensic exam
    Transition("approve_exam_exception", _l("Approve a male examiner for this girl"),
               ("registered", "forensic_exam"), None, ("supervisor",), form=ReasonForm,
               guards=(exam_not_excepted_yet,), apply=stages.approve_exam_exception),
    Transition("start_exam", _l("Start the forensic exam"), ("registered",), "forensic_exam", ("examiner",),
               guards=(female_examiner_for_girls,), apply=stages.start_exam, compartment="medical"),
    Transition("record_exam", _l("Record findings and injuries"), ("forensic_exam",), None, ("examiner",),
               form=ExamFindingsForm, apply=stages.record_exam, compartment="medical"),
    Transition("add_sample", _l("Add a sample"), ("forensic_exam",), None, ("examiner",),
               form=AddSampleForm, apply=stages.add_sample, compartment="medical"),
    Transition("transfer_custody", _l("Record a custody hand-over"), EXAM_ONWARDS, None, ("examiner",),
               form=CustodyTransferForm, guards=(has_samples,), apply=stages.transfer_custody,
               compartment="medical"),
    Transition("complete_exam", _l("Complete the exam"), ("forensic_exam",), "joint_interview", ("examiner",),
               guards=(findings_recorded, samples_handed_over), apply=stages.complete_exam,
               compartment="medical"),
    Transition("waive_exam", _l("Waive the exam"), ("registered", "forensic_exam"), "joint_interview",
               ("supervisor",), form=ReasonForm, apply=stages.waive_exam),
    # joint interview (the child is interviewed once)
    Transition("complete_interview", _l("Record the joint interview"), ("joint_interview",),
               "psych_intervention", ("interviewer",), form=InterviewForm, guards=(no_interview_yet,),
               apply=stages.record_joint_interview, compartment="interview"),
    Transition("use_prior_interview", _l("Use an interview recorded elsewhere"), ("joint_interview",),
               "psych_intervention", ("interviewer",), form=PriorInterviewForm, guards=(no_interview_yet,),
               apply=stages.record_prior_interview, compartment="interview"),
    Transition("request_reinterview", _l("Request a supplementary interview"), AFTER_INTERVIEW, None,
               ("case_prosecutor",), form=ReasonForm, guards=(has_been_interviewed, no_pending_reinterview),
               apply=stages.request_reinterview),
    Transition("approve_reinterview", _l("Approve the supplementary interview"), AFTER_INTERVIEW, None,
               ("supervisor",), guards=(reinterview_requested,), apply=stages.approve_reinterview),
    Transition("record_supplementary_interview", _l("Record the supplementary interview"), AFTER_INTERVIEW,
               None, ("interviewer",), form=InterviewForm, guards=(reinterview_approved,),
               apply=stages.record_supplementary_interview, compartment="interview"),
    # psychological support (crisis support from registration on)
    Transition("record_crisis_support", _l("Record crisis support"), FROM_REGISTERED, None, ("psychologist",),
               form=PsychNoteForm, apply=stages.psych_record("crisis"), compartment="psych"),
    Transition("record_assessment", _l("Record the assessment"), AFTER_INTERVIEW, None, ("psychologist",),
               form=AssessmentForm, apply=stages.psych_record("assessment"), compartment="psych"),
    Transition("record_plan", _l("Record the intervention plan"), AFTER_INTERVIEW, None, ("psychologist",),
               form=PlanForm, apply=stages.psych_record("plan"), compartment="psych"),
    Transition("record_session", _l("Record an intervention session"), AFTER_INTERVIEW, None, ("psychologist",),
               form=PsychNoteForm, apply=stages.psych_record("session"), compartment="psych"),
    Transition("complete_intervention", _l("Complete the intervention stage"), ("psych_intervention",),
               "aid_review", ("psychologist",), guards=(assessment_and_plan_recorded,)),
    # judicial aid: the aid module takes a flag on and fires conclude_aid when its application ends
    Transition("flag_aid", _l("Flag for judicial aid"), FROM_REGISTERED, None, ("case_prosecutor",),
               form=FlagAidForm, guards=(no_open_aid_flag,), apply=stages.flag_aid, compartment="aid"),
    Transition("decline_aid", _l("Decline judicial aid"), ("aid_review",), "follow_up", ("case_prosecutor",),
               form=ReasonForm, guards=(no_open_aid_flag,)),
    Transition("conclude_aid", _l("Conclude aid"), ("aid_review",), "follow_up", (),
               guards=(aid_flag_concluded,), automatic=True),
    # follow-up
    Transition("add_visit", _l("Schedule an extra visit"), ("follow_up",), None,
               ("social_worker", "case_prosecutor"), form=AddVisitForm, apply=stages.add_visit,
               compartment="visits"),
    Transition("record_visit", _l("Record a return visit"), ("follow_up",), None, ("social_worker",),
               form=VisitForm, guards=(has_open_visits,), apply=stages.record_visit, compartment="visits"),
    Transition("cancel_visit", _l("Cancel a visit"), ("follow_up",), None, ("social_worker", "case_prosecutor"),
               form=CancelVisitForm, guards=(has_open_visits,), apply=stages.cancel_visit,
               compartment="visits"),
    Transition("request_closure", _l("Request closure"), ("follow_up",), "closure_review",
               ("social_worker", "case_prosecutor"), guards=(visits_settled,)),
    Transition("approve_closure", _l("Approve closure"), ("closure_review",), "closed", ("supervisor",)),
    Transition("reject_closure", _l("Reject closure"), ("closure_review",), "follow_up", ("supervisor",),
               form=ReasonForm),
    Transition("reopen", _l("Reopen"), ("closed",), "follow_up", ("supervisor",), form=ReasonForm),
    # suspension keeps the state and blocks everything but resume and team changes
    Transition("suspend", _l("Suspend"), OPEN, None, ("supervisor",), form=ReasonForm,
               guards=(not_suspended,), apply=stages.suspend),
    Transition("resume", _l("Resume"), OPEN, None, ("supervisor",), form=ReasonForm,
               guards=(is_suspended,), apply=stages.resume, allowed_while_suspended=True),
)
TRANSITION_BY_TRIGGER = {t.trigger: t for t in TRANSITIONS}
assert len(TRANSITION_BY_TRIGGER) == len(TRANSITIONS), "triggers must be unique"
assert all(t.dest is None or t.dest in STATE_BY_NAME for t in TRANSITIONS)
assert all(set(t.sources) <= set(STATE_NAMES) for t in TRANSITIONS)

# Who may read which compartment of a case (by their role on the case team).
COMPARTMENTS: dict[str, tuple[str, ...]] = {
    "medical": ("examiner", "case_prosecutor"),
    "interview": ("interviewer", "case_prosecutor", "psychologist"),
    "psych": ("psychologist",),  # private notes; summaries are shared with the whole team
    "aid": ("case_prosecutor",),
    "visits": ("social_worker", "case_prosecutor"),
}


def task_title(state: str, role: str) -> str:
    """The title of the task a state opens for a role (tasks store only state and role)."""
    spec = next((t for t in STATE_BY_NAME[state].tasks if t.role == role), None)
    return str(spec.title) if spec else state
