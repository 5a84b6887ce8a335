"""The judicial aid application process: guards, permits, states, transitions and documents, and the
case's `flag_aid` that opens an application, with the case's guards about its applications.

flagged -> applied -> accepted -> investigating -> proposed -> approved | rejected -> disbursing ->
disbursed; not_accepted and withdrawn end it. The emergency path approves (and pays) from
accepted or investigating; the investigation and review report then follow as a task."""
from __future__ import annotations

import datetime as dt

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
from workflow.admin.operations import agency_choices
from workflow.aid import stages
from workflow.aid.models import AID_ENDED_WITHOUT_AID, AidApplication
from workflow.cases.states import FROM_REGISTERED
from workflow.core.forms import ReasonForm
from workflow.core.process import Clock, DocumentSpec, Process, State, TaskSpec, Transition, always, register
from workflow.core.roles import AID_LEVELS, aid_level_label

AID_VERSION = 1

# --- the case's guards about its aid applications -------------------------------------------------

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


# --- the case's flag opens an application --------------------------------------------------------

FLAG_AID = Transition("flag_aid", _l("Flag for judicial aid"), FROM_REGISTERED, None, ("case_prosecutor",),
                      form=FlagAidForm, guards=(no_live_aid_application,), apply=stages.open_application,
                      compartment="aid")


# --- the application's permits and guards ---------------------------------------------------------

def _rank(level: str | None) -> int:
    return AID_LEVELS.index(level) if level in AID_LEVELS else -1


def approver_level_suffices(user, application) -> str | None:
    needed = application.required_level or AID_LEVELS[0]
    if _rank(user.aid_level) < _rank(needed):
        return _l("This amount needs approval by the %(needed)s; your approval level is %(level)s.",
                  needed=aid_level_label(needed), level=aid_level_label(user.aid_level))
    return None


def emergency_level(user, application) -> str | None:  # noqa: ARG001
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
    if stages.cap_fen(application) is None:
        return _l("No average monthly wage is recorded for %(year)d in %(region)s: the administrator must "
                  "enter it before aid can be proposed.", year=stages.today().year,
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


def entrustable_agencies(application) -> list[tuple[int, str]]:
    """Other procuratorates (e.g. of the family's home region) that can verify finances."""
    return agency_choices("procuratorate", excluding=application.agency_id if application is not None else None)


# --- states and transitions -----------------------------------------------------------------------

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

# Every trigger that records something is in the aid compartment: as the API shows aid data only to
# its readers, the history (on the application and on the case) shows them alone what was recorded.
AID_TRANSITIONS: tuple[Transition, ...] = (
    Transition("apply", _l("Record the application"), ("flagged",), "applied", ("aid_officer",), form=ApplyForm,
               apply=stages.record_application, compartment="aid"),
    Transition("accept", _l("Accept the application"), ("applied",), "accepted", ("aid_officer",),
               apply=stages.accept),
    Transition("refuse", _l("Do not accept the application"), ("applied",), "not_accepted", ("aid_officer",),
               form=RefuseForm, apply=stages.record_refusal, compartment="aid"),
    Transition("start_investigation", _l("Start the investigation"), ("accepted",), "investigating",
               ("aid_officer",)),
    Transition("record_finances", _l("Record the family's finances"), AID_INVESTIGATION, None, ("aid_officer",),
               form=FinancesForm, guards=(investigating_or_emergency,), apply=stages.record_finances,
               compartment="aid"),
    Transition("entrust_verification", _l("Entrust verification to another agency"), AID_INVESTIGATION, None,
               ("aid_officer",), form=EntrustForm, choices={"agency_id": entrustable_agencies},
               guards=(investigating_or_emergency, no_open_verification),
               apply=stages.entrust_verification, compartment="aid",
               opens=(TaskSpec("verifier", _l("Verify the family's finances (entrusted)"),
                               Clock(10, "working_days", "aid_verification_days"),
                               # also once the report can no longer be given (application withdrawn)
                               done=lambda a: a.open_verification is None or a.state not in AID_INVESTIGATION),)),
    Transition("report_verification", _l("Report the entrusted verification"), AID_INVESTIGATION, None,
               ("verifier",), form=VerificationReportForm, guards=(verification_open,),
               permits=(entrusted_to_my_agency,), apply=stages.report_verification, compartment="aid"),
    Transition("propose", _l("Submit the aid proposal"), ("investigating",), "proposed", ("aid_officer",),
               form=ProposalForm, guards=(finances_recorded, no_open_verification, cap_known),
               apply=stages.record_proposal, compartment="aid"),
    Transition("return_proposal", _l("Return the proposal for revision"), ("proposed",), "investigating",
               ("aid_approver",), form=ReasonForm, permits=(approver_level_suffices,), compartment="aid"),
    Transition("approve", _l("Approve the aid"), ("proposed",), "approved", ("aid_approver",), form=ApproveForm,
               permits=(not_the_proposer, approver_level_suffices), apply=stages.approve, compartment="aid"),
    Transition("reject", _l("Reject the application"), ("proposed",), "rejected", ("aid_approver",),
               form=RefuseForm, permits=(not_the_proposer, approver_level_suffices), apply=stages.reject,
               compartment="aid"),
    Transition("emergency_approve", _l("Approve emergency aid (pay first)"), ("accepted", "investigating"),
               "approved", ("aid_approver",), form=EmergencyForm, guards=(cap_known,), permits=(emergency_level,),
               apply=stages.approve_emergency, compartment="aid",
               opens=(TaskSpec("aid_officer", _l("Complete the investigation and review report (emergency aid)"),
                               Clock(10, "working_days", "aid_emergency_followup_days"),
                               done=lambda a: a.proposed_at is not None),)),
    Transition("record_emergency_proposal", _l("Record the review report (emergency aid)"), AID_AFTER_EMERGENCY,
               None, ("aid_officer",), form=ProposalForm, guards=(emergency_report_pending, finances_recorded),
               apply=stages.record_emergency_proposal, compartment="aid"),
    Transition("notify_applicant", _l("Record notifying the applicant"),
               ("approved", "disbursing", "disbursed", "rejected", "not_accepted"), None, ("aid_officer",),
               form=NotifyForm, guards=(not_notified,), apply=stages.notify, compartment="aid"),
    Transition("record_payment", _l("Record an instalment paid"), AID_PAYING, None, ("finance_officer",),
               form=PaymentForm, apply=stages.record_payment, compartment="aid"),
    Transition("start_disbursement", _l("Disbursement started"), ("approved",), "disbursing", (),
               guards=(has_payment,), automatic=True),
    Transition("complete_disbursement", _l("Fully disbursed"), ("disbursing",), "disbursed", (),
               guards=(fully_paid,), automatic=True),
    Transition("record_recovery", _l("Record money recovered"), ("disbursing", "disbursed"), None,
               ("finance_officer", "aid_officer"), form=RecoveryForm, guards=(has_money_to_recover,),
               apply=stages.record_recovery, compartment="aid"),
    Transition("withdraw_application", _l("Withdraw the application"), AID_OPEN, "withdrawn",
               ("aid_officer", "case_prosecutor"), form=ReasonForm, compartment="aid"),
)


# --- documents ----------------------------------------------------------------------------------
# Readiness checks of the documents (unmet reason or None), then the documents of the application.

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

AID = register(Process("aid", _l("Judicial aid application"), AID_VERSION, AID_STATES, AID_TRANSITIONS, "flagged",
                       FLAG_AID, {"aid": ("case_prosecutor", "aid_officer", "aid_approver", "finance_officer")},
                       AID_DOCUMENTS, derived_roles={"verifier": "aid_officer"}), AidApplication)
