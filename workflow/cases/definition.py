"""The victim case process: its guards, transitions, documents and compartments, on the states of
`workflow.cases.states`.

The engine interprets it; diagrams are drawn from it and the API publishes it. Guards are small
functions of the case returning the unmet reason or None. Triggers with `dest=None` record data
within a state (an internal transition): they pass through the same checks, version bump and
history as state changes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forms.cases.clocks import ExtendClockForm
from forms.cases.exam import AddSampleForm, CustodyTransferForm, ExamFindingsForm
from forms.cases.intake import AddContactForm, AddSuspectForm, ConsentForm, CreateCaseForm
from forms.cases.interview import InterviewForm, PriorInterviewForm
from forms.cases.judgments import JudgmentForm
from forms.cases.psych import AssessmentForm, PlanForm, PsychNoteForm
from forms.cases.team import AssignMemberForm
from forms.followup import (
    AddVisitForm,
    CancelVisitForm,
    CloseReferralForm,
    ReferralReplyForm,
    SendReferralForm,
    VisitForm,
)
from workflow.admin.operations import agency_choices
from workflow.aid.definition import FLAG_AID, aid_applications_ended, no_open_aid_application
from workflow.cases import judgments
from workflow.cases import stages as cases_stages
from workflow.cases.models import Case
from workflow.cases.states import AFTER_INTERVIEW, EXAM_ONWARDS, FROM_REGISTERED, INITIAL, OPEN, STATES
from workflow.core.forms import ReasonForm
from workflow.core.process import DocumentSpec, Process, Transition, always, register
from workflow.core.roles import role_label
from workflow.followup import stages as followup_stages
from workflow.followup.guards import has_open_referrals, has_open_visits, referrals_settled, visits_settled
from workflow.followup.operations import referral_agency_choices

VERSION = 1


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


def not_suspended(case) -> str | None:
    return _l("The case is already suspended.") if case.suspended else None


def is_suspended(case) -> str | None:
    return None if case.suspended else _l("The case is not suspended.")


def not_anonymised(case) -> str | None:
    """Nothing is added to a case anonymised under retention (workflow/retention)."""
    return _l("The case was anonymised under retention.") if case.anonymised_at is not None else None


def has_open_tasks(case) -> str | None:
    return None if any(t.is_open for t in case.tasks) else _l("The case has no open task.")


# --- transitions ------------------------------------------------------------------------------

def centre_choices(case) -> list[tuple[int, str]]:  # noqa: ARG001 - a new case has none yet
    return [(0, "—"), *agency_choices("centre")]


CREATE = Transition("create", _l("Create a referral"), (), INITIAL, ("intake_officer", "case_prosecutor"),
                    form=CreateCaseForm, choices={"centre_id": centre_choices})

TRANSITIONS: tuple[Transition, ...] = (
    # intake
    Transition("add_contact", _l("Add a guardian or appropriate adult"), OPEN, None,
               ("intake_officer", "case_prosecutor"), form=AddContactForm, apply=cases_stages.add_contact),
    Transition("add_suspect", _l("Add a suspect"), OPEN, None, ("intake_officer", "case_prosecutor"),
               form=AddSuspectForm, apply=cases_stages.add_suspect),
    Transition("record_consent", _l("Record consent"), ("referred", "registered"), None, ("intake_officer",),
               form=ConsentForm, apply=cases_stages.record_consent),
    Transition("assign_member", _l("Assign a team member"), OPEN, None, ("supervisor",),
               form=AssignMemberForm, choices={"user_id": cases_stages.team_choices}, apply=cases_stages.assign_member,
               allowed_while_suspended=True),
    Transition("register", _l("Register the case"), ("referred",), "registered", ("intake_officer",),
               guards=(guardian_or_adult_recorded, consent_recorded, team_complete)),
    Transition("withdraw", _l("Withdraw"), ("referred", "registered"), "withdrawn", ("supervisor",),
               form=ReasonForm, guards=(no_open_aid_application,)),
    # forensic exam
    Transition("approve_exam_exception", _l("Approve a male examiner for this girl"),
               ("registered", "forensic_exam"), None, ("supervisor",), form=ReasonForm,
               guards=(exam_not_excepted_yet,), apply=cases_stages.approve_exam_exception),
    Transition("start_exam", _l("Start the forensic exam"), ("registered",), "forensic_exam", ("examiner",),
               guards=(female_examiner_for_girls,), apply=cases_stages.start_exam, compartment="medical"),
    Transition("record_exam", _l("Record findings and injuries"), ("forensic_exam",), None, ("examiner",),
               form=ExamFindingsForm, apply=cases_stages.record_exam, compartment="medical"),
    Transition("add_sample", _l("Add a sample"), ("forensic_exam",), None, ("examiner",),
               form=AddSampleForm, apply=cases_stages.add_sample, compartment="medical"),
    Transition("transfer_custody", _l("Record a custody hand-over"), EXAM_ONWARDS, None, ("examiner",),
               form=CustodyTransferForm, guards=(has_samples,), apply=cases_stages.transfer_custody,
               compartment="medical"),
    Transition("complete_exam", _l("Complete the exam"), ("forensic_exam",), "joint_interview", ("examiner",),
               guards=(findings_recorded, samples_handed_over), apply=cases_stages.complete_exam,
               compartment="medical"),
    Transition("waive_exam", _l("Waive the exam"), ("registered", "forensic_exam"), "joint_interview",
               ("supervisor",), form=ReasonForm, apply=cases_stages.waive_exam),
    # joint interview (the child is interviewed once)
    Transition("complete_interview", _l("Record the joint interview"), ("joint_interview",),
               "psych_intervention", ("interviewer",), form=InterviewForm, guards=(no_interview_yet,),
               apply=cases_stages.record_joint_interview, compartment="interview"),
    Transition("use_prior_interview", _l("Use an interview recorded elsewhere"), ("joint_interview",),
               "psych_intervention", ("interviewer",), form=PriorInterviewForm, guards=(no_interview_yet,),
               apply=cases_stages.record_prior_interview, compartment="interview"),
    Transition("request_reinterview", _l("Request a supplementary interview"), AFTER_INTERVIEW, None,
               ("case_prosecutor",), form=ReasonForm, guards=(has_been_interviewed, no_pending_reinterview),
               apply=cases_stages.request_reinterview),
    Transition("approve_reinterview", _l("Approve the supplementary interview"), AFTER_INTERVIEW, None,
               ("supervisor",), guards=(reinterview_requested,), apply=cases_stages.approve_reinterview),
    Transition("record_supplementary_interview", _l("Record the supplementary interview"), AFTER_INTERVIEW,
               None, ("interviewer",), form=InterviewForm, guards=(reinterview_approved,),
               apply=cases_stages.record_supplementary_interview, compartment="interview"),
    # psychological support (crisis support from registration on)
    Transition("record_crisis_support", _l("Record crisis support"), FROM_REGISTERED, None, ("psychologist",),
               form=PsychNoteForm, apply=cases_stages.psych_record("crisis"), compartment="psych"),
    Transition("record_assessment", _l("Record the assessment"), AFTER_INTERVIEW, None, ("psychologist",),
               form=AssessmentForm, apply=cases_stages.psych_record("assessment"), compartment="psych"),
    Transition("record_plan", _l("Record the intervention plan"), AFTER_INTERVIEW, None, ("psychologist",),
               form=PlanForm, apply=cases_stages.psych_record("plan"), compartment="psych"),
    Transition("record_session", _l("Record an intervention session"), AFTER_INTERVIEW, None, ("psychologist",),
               form=PsychNoteForm, apply=cases_stages.psych_record("session"), compartment="psych"),
    Transition("complete_intervention", _l("Complete the intervention stage"), ("psych_intervention",),
               "aid_review", ("psychologist",), guards=(assessment_and_plan_recorded,)),
    # judicial aid: flagging opens an aid application (workflow.aid.definition); the case moves on
    # by itself once its applications have ended
    FLAG_AID,
    Transition("decline_aid", _l("Decline judicial aid"), ("aid_review",), "follow_up", ("case_prosecutor",),
               form=ReasonForm, guards=(no_open_aid_application,)),
    Transition("conclude_aid", _l("Conclude aid"), ("aid_review",), "follow_up", (),
               guards=(aid_applications_ended,), automatic=True),
    # "judicial aid +": referrals to social assistance, from registration on
    Transition("send_referral", _l("Refer to social assistance"), FROM_REGISTERED, None,
               ("social_worker", "case_prosecutor"), form=SendReferralForm,
               choices={"agency_id": referral_agency_choices}, apply=followup_stages.send_referral,
               compartment="referrals"),
    Transition("record_referral_reply", _l("Record an agency's reply to a referral"), FROM_REGISTERED, None,
               ("social_worker", "case_prosecutor"), form=ReferralReplyForm, guards=(has_open_referrals,),
               apply=followup_stages.record_referral_reply, compartment="referrals"),
    Transition("close_referral", _l("Close a referral"), FROM_REGISTERED, None,
               ("social_worker", "case_prosecutor"), form=CloseReferralForm, guards=(has_open_referrals,),
               apply=followup_stages.close_referral, compartment="referrals"),
    # follow-up
    Transition("add_visit", _l("Schedule an extra visit"), ("follow_up",), None,
               ("social_worker", "case_prosecutor"), form=AddVisitForm, apply=followup_stages.add_visit,
               compartment="visits"),
    Transition("record_visit", _l("Record a return visit"), ("follow_up",), None, ("social_worker",),
               form=VisitForm, choices={"agency_id": referral_agency_choices}, guards=(has_open_visits,),
               apply=followup_stages.record_visit, compartment="visits"),
    Transition("cancel_visit", _l("Cancel a visit"), ("follow_up",), None, ("social_worker", "case_prosecutor"),
               form=CancelVisitForm, guards=(has_open_visits,), apply=followup_stages.cancel_visit,
               compartment="visits"),
    Transition("request_closure", _l("Request closure"), ("follow_up",), "closure_review",
               ("social_worker", "case_prosecutor"), guards=(visits_settled, referrals_settled)),
    Transition("approve_closure", _l("Approve closure"), ("closure_review",), "closed", ("supervisor",)),
    Transition("reject_closure", _l("Reject closure"), ("closure_review",), "follow_up", ("supervisor",),
               form=ReasonForm),
    Transition("reopen", _l("Reopen"), ("closed",), "follow_up", ("supervisor",), form=ReasonForm,
               guards=(not_anonymised,)),
    # A judgment often comes after closure; one with an employment ban proposes a register entry.
    Transition("record_judgment", _l("Record a judgment"), (*FROM_REGISTERED, "closed"), None, ("case_prosecutor",),
               form=JudgmentForm, guards=(not_anonymised,), apply=judgments.record_judgment),
    # suspension keeps the state and blocks everything but resume and team changes
    Transition("suspend", _l("Suspend"), OPEN, None, ("supervisor",), form=ReasonForm,
               guards=(not_suspended,), apply=cases_stages.suspend),
    Transition("resume", _l("Resume"), OPEN, None, ("supervisor",), form=ReasonForm,
               guards=(is_suspended,), apply=cases_stages.resume, allowed_while_suspended=True),
    # Not while suspended: the clocks stand still then, and resuming would move the chosen day on.
    Transition("extend_clock", _l("Extend a deadline"), OPEN, None, ("supervisor",), form=ExtendClockForm,
               guards=(has_open_tasks,), apply=cases_stages.extend_clock),
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

CASE = register(Process("case", _l("Victim case"), VERSION, STATES, TRANSITIONS, INITIAL, CREATE, COMPARTMENTS,
                        CASE_DOCUMENTS), Case)
TRANSITION_BY_TRIGGER = CASE.by_trigger
