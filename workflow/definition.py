"""The process definitions: the victim case and its judicial aid application.

This module is the single source of truth the engine interprets, the diagrams are drawn from and
the API publishes: states, triggers, roles, guards, forms, tasks and clocks. Guards are small
functions of the case (or aid application) returning the unmet reason or None; permits are
functions of (user, subject) for checks on the person beyond their role (403 when unmet).
Triggers with `dest=None` record data within a state (an internal transition): they pass through
the same checks, version bump and history as state changes.
"""
from __future__ import annotations

import datetime as dt
from functools import cache

from flask_babel import lazy_gettext as _l

from forms.aid import (
    ApplyForm,
    ApproveForm,
    EmergencyForm,
    EntrustForm,
    FinancesForm,
    FlagAidForm,
    NotifyForm,
    PaymentForm,
    ProposalForm,
    RecoveryForm,
    RefuseForm,
    VerificationReportForm,
)
from forms.base import ReasonForm
from forms.clocks import ExtendClockForm
from forms.exam import AddSampleForm, CustodyTransferForm, ExamFindingsForm
from forms.followup import (
    AddVisitForm,
    CancelVisitForm,
    CloseReferralForm,
    ReferralReplyForm,
    SendReferralForm,
    VisitForm,
)
from forms.intake import AddContactForm, AddSuspectForm, ConsentForm, CreateCaseForm
from forms.interview import InterviewForm, PriorInterviewForm
from forms.psych import AssessmentForm, PlanForm, PsychNoteForm
from forms.registry import JudgmentForm
from forms.team import AssignMemberForm

from . import aid, stages
from .registry import judgments
from .models import AID_ENDED_WITHOUT_AID, AID_LEVELS
from .process import Clock, DocumentSpec, Process, State, TaskSpec, Transition

VERSION = 1
AID_VERSION = 1


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


def _live_aid_application(case):
    return next((a for a in case.aid_applications if a.state not in AID_ENDED_WITHOUT_AID), None)


def _open_aid_application(case):
    return next((a for a in case.aid_applications if a.state not in AID.terminal), None)


def no_live_aid_application(case) -> str | None:
    live = _live_aid_application(case)
    if live is not None:
        return _l("This child already has aid application %(number)s for this incident; no second aid.",
                  number=live.number)
    return None


def no_open_aid_application(case) -> str | None:
    if _open_aid_application(case) is not None:
        return _l("Judicial aid is flagged: the aid application must end first.")
    return None


def aid_applications_ended(case) -> str | None:
    if not case.aid_applications or _open_aid_application(case) is not None:
        return _l("The aid application has not ended.")
    return None


def referrals_settled(case) -> str | None:
    open_referrals = [r for r in case.referrals if r.is_open]
    if open_referrals:
        return _l("%(n)d referral(s) are still open: record the agency's reply or close them with a reason.",
                  n=len(open_referrals))
    return None


def has_open_referrals(case) -> str | None:
    return None if any(r.is_open for r in case.referrals) else _l("There is no open referral.")


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


def next_visit_day(case) -> dt.date | None:
    """The follow-up task is due on the next scheduled return visit: a missed visit makes it overdue."""
    return min((v.due_on for v in case.visits if v.status == "scheduled"), default=None)


def has_open_tasks(case) -> str | None:
    return None if any(t.is_open for t in case.tasks) else _l("The case has no open task.")


# From the start of the exam to the end of the joint interview (one clock over two states).
EXAM_TO_INTERVIEW = Clock(3, "working_days", "clock_exam_interview_days", since="forensic_exam")

# --- states -----------------------------------------------------------------------------------

STATES: tuple[State, ...] = (
    State("referred", _l("Referred"),
          tasks=(TaskSpec("intake_officer", _l("Register the case"),
                          Clock(24, "hours", "clock_registration_hours")),)),
    State("registered", _l("Registered"),
          tasks=(TaskSpec("examiner", _l("Start the forensic exam"),
                          Clock(24, "hours", "clock_exam_start_hours")),)),
    State("forensic_exam", _l("Forensic exam"),
          tasks=(TaskSpec("examiner", _l("Complete the exam and hand over samples"),
                          EXAM_TO_INTERVIEW),)),
    State("joint_interview", _l("Joint interview"),
          tasks=(TaskSpec("interviewer", _l("Hold the joint interview"),
                          EXAM_TO_INTERVIEW),)),
    State("psych_intervention", _l("Psychological intervention"),
          tasks=(TaskSpec("psychologist", _l("Assess and plan the intervention"),
                          Clock(5, "working_days", "clock_assessment_days")),)),
    State("aid_review", _l("Aid review"),
          tasks=(TaskSpec("case_prosecutor", _l("Decide on judicial aid"),
                          Clock(5, "working_days", "clock_aid_review_days")),)),
    State("follow_up", _l("Follow-up"),
          tasks=(TaskSpec("social_worker", _l("Carry out return visits, then request closure"),
                          Clock(200, "days", "clock_follow_up_days"), due_on=next_visit_day),),
          on_enter=stages.schedule_visits),
    State("closure_review", _l("Closure review"),
          tasks=(TaskSpec("supervisor", _l("Review the closure request"),
                          Clock(5, "working_days", "clock_closure_review_days")),)),
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

FLAG_AID = Transition("flag_aid", _l("Flag for judicial aid"), FROM_REGISTERED, None, ("case_prosecutor",),
                      form=FlagAidForm, guards=(no_live_aid_application,), apply=aid.open_application,
                      compartment="aid")
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
               form=ReasonForm, guards=(no_open_aid_application,)),
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
    # judicial aid: flagging opens an aid application (the AID process below); the case moves on
    # by itself once its applications have ended
    FLAG_AID,
    Transition("decline_aid", _l("Decline judicial aid"), ("aid_review",), "follow_up", ("case_prosecutor",),
               form=ReasonForm, guards=(no_open_aid_application,)),
    Transition("conclude_aid", _l("Conclude aid"), ("aid_review",), "follow_up", (),
               guards=(aid_applications_ended,), automatic=True),
    # "judicial aid +": referrals to social assistance, from registration on
    Transition("send_referral", _l("Refer to social assistance"), FROM_REGISTERED, None,
               ("social_worker", "case_prosecutor"), form=SendReferralForm, apply=stages.send_referral,
               compartment="referrals"),
    Transition("record_referral_reply", _l("Record an agency's reply to a referral"), FROM_REGISTERED, None,
               ("social_worker", "case_prosecutor"), form=ReferralReplyForm, guards=(has_open_referrals,),
               apply=stages.record_referral_reply, compartment="referrals"),
    Transition("close_referral", _l("Close a referral"), FROM_REGISTERED, None,
               ("social_worker", "case_prosecutor"), form=CloseReferralForm, guards=(has_open_referrals,),
               apply=stages.close_referral, compartment="referrals"),
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
               ("social_worker", "case_prosecutor"), guards=(visits_settled, referrals_settled)),
    Transition("approve_closure", _l("Approve closure"), ("closure_review",), "closed", ("supervisor",)),
    Transition("reject_closure", _l("Reject closure"), ("closure_review",), "follow_up", ("supervisor",),
               form=ReasonForm),
    Transition("reopen", _l("Reopen"), ("closed",), "follow_up", ("supervisor",), form=ReasonForm),
    # suspension keeps the state and blocks everything but resume and team changes
    # A judgment often comes after closure; one with an employment ban proposes a register entry.
    Transition("record_judgment", _l("Record a judgment"), (*FROM_REGISTERED, "closed"), None, ("case_prosecutor",),
               form=JudgmentForm, apply=judgments.record_judgment),
    Transition("suspend", _l("Suspend"), OPEN, None, ("supervisor",), form=ReasonForm,
               guards=(not_suspended,), apply=stages.suspend),
    Transition("resume", _l("Resume"), OPEN, None, ("supervisor",), form=ReasonForm,
               guards=(is_suspended,), apply=stages.resume, allowed_while_suspended=True),
    # Not while suspended: the clocks stand still then, and resuming would move the chosen day on.
    Transition("extend_clock", _l("Extend a deadline"), OPEN, None, ("supervisor",), form=ExtendClockForm,
               guards=(has_open_tasks,), apply=stages.extend_clock),
)

# --- documents ----------------------------------------------------------------------------------
# Readiness checks of the documents (unmet reason or None), then the documents of the case.

def registered(case) -> str | None:
    if case.state in ("referred", "withdrawn") or case.consent_recorded_at is None:
        return _l("The case is not registered yet.")
    return None


def exam_documented(case) -> str | None:
    if case.exam is None or case.exam.completed_at is None:
        return _l("The forensic exam has not been completed.")
    return None


def assessment_recorded(case) -> str | None:
    if not _psych(case, "assessment"):
        return _l("No psychological assessment has been recorded.")
    return None


def closure_reached(case) -> str | None:
    if case.state not in ("closure_review", "closed"):
        return _l("The case has not reached the closure review.")
    return None


def always(subject) -> None:  # noqa: ARG001 - documents about an item are ready once the item exists
    return None


CASE_TEAM_ROLES = ("intake_officer", "case_prosecutor", "supervisor")
CASE_DOCUMENTS: tuple[DocumentSpec, ...] = (
    DocumentSpec("registration_form", _l("One-stop case registration form"), 1, ("internal", "court"),
                 CASE_TEAM_ROLES, "登", ("case", "child", "contacts", "consent", "incident", "suspects", "team"),
                 registered),
    DocumentSpec("guardian_consent", _l("Guardian's informed consent"), 1, ("family", "internal"),
                 CASE_TEAM_ROLES, "同", ("case", "child", "contacts", "consent"), consent_recorded),
    DocumentSpec("exam_record", _l("Forensic examination record and sample custody list"), 1,
                 ("internal", "court"), ("examiner", "case_prosecutor"), "检",
                 ("case", "child", "incident", "exam"), exam_documented),
    DocumentSpec("interview_record", _l("Joint interview record"), 1, ("internal", "court"),
                 ("interviewer", "case_prosecutor"), "询", ("case", "child", "incident", "interviews"),
                 has_been_interviewed),
    DocumentSpec("psych_summary", _l("Psychological assessment summary"), 1, ("internal", "court", "family"),
                 ("psychologist",), "心", ("case", "child", "incident", "assessment"), assessment_recorded),
    DocumentSpec("referral_letter", _l("Referral letter"), 1, ("partner_agency", "internal"),
                 ("social_worker", "case_prosecutor"), "转",
                 ("case", "child_basic", "guardian_contact", "incident", "referral"), always,
                 items=lambda case: list(case.referrals)),
    DocumentSpec("visit_record", _l("Return-visit record"), 1, ("internal", "family"),
                 ("social_worker", "case_prosecutor"), "访", ("case", "child", "visit"), always,
                 items=lambda case: [v for v in case.visits if v.status == "done"]),
    # It reports on aid, referrals and visits: the case prosecutor reads all three compartments.
    DocumentSpec("closure_report", _l("Case closure report"), 1, ("internal", "court"), ("case_prosecutor",), "结",
                 ("case", "child", "incident", "suspects", "team", "course"), closure_reached),
)

# Who may read which compartment of a case (by their role on the case team).
COMPARTMENTS: dict[str, tuple[str, ...]] = {
    "medical": ("examiner", "case_prosecutor"),
    "interview": ("interviewer", "case_prosecutor", "psychologist"),
    "psych": ("psychologist",),  # private notes; summaries are shared with the whole team
    "aid": ("case_prosecutor",),
    "referrals": ("social_worker", "case_prosecutor"),
    "visits": ("social_worker", "case_prosecutor"),
}

CASE = Process("case", _l("Victim case"), VERSION, STATES, TRANSITIONS, INITIAL, CREATE, COMPARTMENTS,
               CASE_DOCUMENTS)
TRANSITION_BY_TRIGGER = CASE.by_trigger


# === The judicial aid application ===============================================================
# flagged -> applied -> accepted -> investigating -> proposed -> approved | rejected -> disbursing ->
# disbursed; not_accepted and withdrawn end it. The emergency path approves (and pays) from
# accepted or investigating; the investigation and review report then follow as a task.

def _rank(level: str | None) -> int:
    return AID_LEVELS.index(level) if level in AID_LEVELS else -1


def approver_level_suffices(user, application) -> str | None:
    from .labels import aid_level_label

    needed = application.required_level or AID_LEVELS[0]
    if _rank(user.aid_level) < _rank(needed):
        return _l("This amount needs approval by the %(needed)s; your approval level is %(level)s.",
                  needed=aid_level_label(needed), level=aid_level_label(user.aid_level))
    return None


def emergency_level(user, application) -> str | None:  # noqa: ARG001
    from .labels import aid_level_label

    if _rank(user.aid_level) < _rank("deputy_chief"):
        return _l("Emergency aid is approved by a deputy chief procurator or above; your approval level is "
                  "%(level)s.", level=aid_level_label(user.aid_level))
    return None


def not_the_proposer(user, application) -> str | None:
    if application.proposed_by_id == user.id:
        return _l("Four-eyes rule: you wrote this proposal, so someone else must decide on it.")
    return None


def investigating_or_emergency(application) -> str | None:
    if application.state == "investigating" or application.emergency:
        return None
    return _l("Only during the investigation (or after emergency aid was approved).")


def finances_recorded(application) -> str | None:
    return None if application.finances_recorded_at else _l("Record the family's finances first.")


def no_open_verification(application) -> str | None:
    pending = application.open_verification
    if pending is not None:
        return _l("The verification entrusted to %(agency)s has not been reported yet.", agency=pending.agency.name)
    return None


def verification_open(application) -> str | None:
    return None if application.open_verification else _l("No verification is pending.")


def entrusted_to_my_agency(user, application) -> str | None:
    """Only the agency the pending verification is entrusted to reports it (an agency that verified
    earlier is still a verifier of the application, but not of this request)."""
    pending = application.open_verification
    if pending is not None and pending.agency_id != user.agency_id:
        return _l("The pending verification is entrusted to %(agency)s, not to your agency.",
                  agency=pending.agency.name)
    return None


def cap_known(application) -> str | None:
    if aid.cap_fen(application) is None:
        return _l("No average monthly wage is recorded for %(year)d in %(region)s: the administrator must "
                  "enter it before aid can be proposed.", year=aid.today().year,
                  region=application.agency.region or "—")
    return None


def emergency_report_pending(application) -> str | None:
    if not application.emergency:
        return _l("Only for emergency aid.")
    if application.proposed_at is not None:
        return _l("The review report has already been recorded.")
    return None


def not_notified(application) -> str | None:
    if application.notified_on is not None:
        return _l("The applicant was already notified.")
    return None


def has_payment(application) -> str | None:
    return None if application.paid_fen > 0 else _l("Nothing has been paid yet.")


def fully_paid(application) -> str | None:
    if application.approved_fen is None or application.paid_fen != application.approved_fen:
        return _l("The approved amount has not been paid in full.")
    return None


def has_money_to_recover(application) -> str | None:
    if application.paid_fen - application.recovered_fen <= 0:
        return _l("Nothing paid remains to be recovered.")
    return None


def next_instalment_day(application) -> dt.date | None:
    """The planned date of the first instalment not yet paid in full (the plan is cumulative)."""
    planned = 0
    for row in application.instalments or []:
        planned += row["amount_fen"]
        if planned > application.paid_fen:
            return dt.date.fromisoformat(row["due_on"])
    return None


DECISION_CLOCK = Clock(10, "working_days", "aid_decision_days", since="accepted")
NOTIFY = TaskSpec("aid_officer", _l("Notify the applicant of the decision"),
                  Clock(2, "working_days", "aid_notification_days"),
                  done=lambda a: a.notified_on is not None, outlives_state=True)

AID_STATES: tuple[State, ...] = (
    State("flagged", _l("Flagged"),
          tasks=(TaskSpec("aid_officer", _l("Take in the aid application"),
                          Clock(5, "working_days", "aid_clue_transfer_days")),)),
    State("applied", _l("Applied"),
          tasks=(TaskSpec("aid_officer", _l("Accept or refuse the application"),
                          Clock(7, "working_days", "aid_acceptance_days")),)),
    State("accepted", _l("Accepted"),
          tasks=(TaskSpec("aid_officer", _l("Start the investigation"), DECISION_CLOCK),)),
    State("investigating", _l("Investigating"),
          tasks=(TaskSpec("aid_officer", _l("Investigate and propose"), DECISION_CLOCK),)),
    State("proposed", _l("Proposed"),
          tasks=(TaskSpec("aid_approver", _l("Decide on the aid proposal"), DECISION_CLOCK),)),
    State("approved", _l("Approved"),
          tasks=(TaskSpec("finance_officer", _l("Pay the aid"), Clock(10, "working_days", "aid_payment_days")),
                 NOTIFY)),
    State("rejected", _l("Rejected"), tasks=(NOTIFY,), terminal=True),
    State("disbursing", _l("Disbursing"),
          tasks=(TaskSpec("finance_officer", _l("Pay the remaining instalments"),
                          Clock(10, "working_days", "aid_payment_days"), due_on=next_instalment_day),)),
    State("disbursed", _l("Disbursed"), terminal=True),
    State("not_accepted", _l("Not accepted"), tasks=(NOTIFY,), terminal=True),
    State("withdrawn", _l("Withdrawn"), terminal=True),
)
AID_OPEN = ("flagged", "applied", "accepted", "investigating", "proposed")
AID_PAYING = ("approved", "disbursing")
AID_AFTER_EMERGENCY = ("approved", "disbursing", "disbursed")
AID_INVESTIGATION = ("investigating", *AID_AFTER_EMERGENCY)

AID_TRANSITIONS: tuple[Transition, ...] = (
    Transition("apply", _l("Record the application"), ("flagged",), "applied", ("aid_officer",), form=ApplyForm,
               apply=aid.record_application, compartment="aid"),
    Transition("accept", _l("Accept the application"), ("applied",), "accepted", ("aid_officer",),
               apply=aid.accept),
    Transition("refuse", _l("Do not accept the application"), ("applied",), "not_accepted", ("aid_officer",),
               form=RefuseForm, apply=aid.record_refusal),
    Transition("start_investigation", _l("Start the investigation"), ("accepted",), "investigating",
               ("aid_officer",)),
    Transition("record_finances", _l("Record the family's finances"), AID_INVESTIGATION, None, ("aid_officer",),
               form=FinancesForm, guards=(investigating_or_emergency,), apply=aid.record_finances,
               compartment="aid"),
    Transition("entrust_verification", _l("Entrust verification to another agency"), AID_INVESTIGATION, None,
               ("aid_officer",), form=EntrustForm, guards=(investigating_or_emergency, no_open_verification),
               apply=aid.entrust_verification,
               opens=(TaskSpec("verifier", _l("Verify the family's finances (entrusted)"),
                               Clock(10, "working_days", "aid_verification_days"),
                               # also once the report can no longer be given (application withdrawn)
                               done=lambda a: a.open_verification is None or a.state not in AID_INVESTIGATION),)),
    Transition("report_verification", _l("Report the entrusted verification"), AID_INVESTIGATION, None,
               ("verifier",), form=VerificationReportForm, guards=(verification_open,),
               permits=(entrusted_to_my_agency,), apply=aid.report_verification),
    Transition("propose", _l("Submit the aid proposal"), ("investigating",), "proposed", ("aid_officer",),
               form=ProposalForm, guards=(finances_recorded, no_open_verification, cap_known),
               apply=aid.record_proposal, compartment="aid"),
    Transition("return_proposal", _l("Return the proposal for revision"), ("proposed",), "investigating",
               ("aid_approver",), form=ReasonForm, permits=(approver_level_suffices,)),
    Transition("approve", _l("Approve the aid"), ("proposed",), "approved", ("aid_approver",), form=ApproveForm,
               permits=(not_the_proposer, approver_level_suffices), apply=aid.approve, compartment="aid"),
    Transition("reject", _l("Reject the application"), ("proposed",), "rejected", ("aid_approver",),
               form=RefuseForm, permits=(not_the_proposer, approver_level_suffices), apply=aid.reject),
    Transition("emergency_approve", _l("Approve emergency aid (pay first)"), ("accepted", "investigating"),
               "approved", ("aid_approver",), form=EmergencyForm, guards=(cap_known,), permits=(emergency_level,),
               apply=aid.approve_emergency, compartment="aid",
               opens=(TaskSpec("aid_officer", _l("Complete the investigation and review report (emergency aid)"),
                               Clock(10, "working_days", "aid_emergency_followup_days"),
                               done=lambda a: a.proposed_at is not None),)),
    Transition("record_emergency_proposal", _l("Record the review report (emergency aid)"), AID_AFTER_EMERGENCY,
               None, ("aid_officer",), form=ProposalForm, guards=(emergency_report_pending, finances_recorded),
               apply=aid.record_emergency_proposal, compartment="aid"),
    Transition("notify_applicant", _l("Record notifying the applicant"),
               ("approved", "disbursing", "disbursed", "rejected", "not_accepted"), None, ("aid_officer",),
               form=NotifyForm, guards=(not_notified,), apply=aid.notify),
    Transition("record_payment", _l("Record an instalment paid"), AID_PAYING, None, ("finance_officer",),
               form=PaymentForm, apply=aid.record_payment, compartment="aid"),
    Transition("start_disbursement", _l("Disbursement started"), ("approved",), "disbursing", (),
               guards=(has_payment,), automatic=True),
    Transition("complete_disbursement", _l("Fully disbursed"), ("disbursing",), "disbursed", (),
               guards=(fully_paid,), automatic=True),
    Transition("record_recovery", _l("Record money recovered"), ("disbursing", "disbursed"), None,
               ("finance_officer", "aid_officer"), form=RecoveryForm, guards=(has_money_to_recover,),
               apply=aid.record_recovery, compartment="aid"),
    Transition("withdraw_application", _l("Withdraw the application"), AID_OPEN, "withdrawn",
               ("aid_officer", "case_prosecutor"), form=ReasonForm),
)


def applied(application) -> str | None:
    if application.applicant_name is None:
        return _l("The application has not been received yet.")
    return None


def proposed(application) -> str | None:
    if application.proposed_fen is None:
        return _l("No aid has been proposed yet.")
    return None


def aid_granted(application) -> str | None:
    if application.approved_fen is None or application.state in AID_ENDED_WITHOUT_AID:
        return _l("No aid has been approved.")
    return None


def aid_refused(application) -> str | None:
    if application.state not in ("rejected", "not_accepted"):
        return _l("The application was neither rejected nor refused acceptance.")
    return None


AID_STAFF = ("aid_officer", "aid_approver")
AID_DOCUMENTS: tuple[DocumentSpec, ...] = (
    DocumentSpec("aid_application", _l("Judicial aid application form"), 1, ("family", "internal"),
                 ("aid_officer", "case_prosecutor"), "助申", ("child", "application"), applied),
    DocumentSpec("aid_review_report", _l("Judicial aid review report"), 1, ("internal",), AID_STAFF, "助审",
                 ("case", "child", "incident", "application", "review"), proposed),
    DocumentSpec("aid_decision", _l("Judicial aid decision"), 1, ("family", "internal"), AID_STAFF, "助",
                 ("child", "application", "decision"), aid_granted),
    DocumentSpec("non_aid_notice", _l("Notice of no judicial aid"), 1, ("family", "internal"), AID_STAFF, "不助",
                 ("child", "application", "refusal"), aid_refused),
    DocumentSpec("disbursement_receipt", _l("Judicial aid disbursement receipt"), 1, ("family", "internal"),
                 ("finance_officer", "aid_officer"), "付", ("child", "application", "payment"), always,
                 items=lambda application: [e for e in application.ledger if e.kind == "payment"]),
)
REGISTRY_DOCUMENTS: tuple[DocumentSpec, ...] = (
    DocumentSpec("inquiry_notice", _l("Entry inquiry result notice"), 1, ("partner_agency",), ("employer_hr",), "查",
                 ("inquiry",), always),
)

AID = Process("aid", _l("Judicial aid application"), AID_VERSION, AID_STATES, AID_TRANSITIONS, "flagged",
              FLAG_AID, {"aid": ("case_prosecutor", "aid_officer", "aid_approver", "finance_officer")},
              AID_DOCUMENTS)
PROCESSES = {CASE.name: CASE, AID.name: AID}


@cache
def clock_settings() -> dict[str, tuple[Clock, TaskSpec]]:
    """Each clock setting with its default clock and the first task it times (for its label)."""
    found: dict[str, tuple[Clock, TaskSpec]] = {}
    for process in PROCESSES.values():
        for spec in process.task_specs:
            existing = found.setdefault(spec.clock.setting, (spec.clock, spec))
            assert existing[0].amount == spec.clock.amount and existing[0].unit == spec.clock.unit, \
                f"clock setting {spec.clock.setting} has two defaults"
    return found


def process_of(subject) -> Process:
    return PROCESSES[subject.process_name]


def task_title(task) -> str:
    """The title of a task row (rows store only the state or trigger that opened it, and the role)."""
    process = AID if task.aid_application_id is not None else CASE
    spec = process.task_spec(task.state, task.role)
    return str(spec.title) if spec else task.state
