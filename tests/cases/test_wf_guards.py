"""Every guard of the definition, triggered through the engine: 422 guard_failed with the guard's own
reason (compared with `str(guard(case))` in the same locale, so a translation catalog does not break
them), nothing stored. Context-dependent data errors (a suspect attending) are 422 invalid."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import lazy_gettext as _l

from workflow.aid import definition as aid_definition
from workflow.cases import definition as cases_definition
from workflow.cases.models import Interview
from workflow.core.access import can
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.core.roles import role_label
from workflow.followup import guards


def _guard_names() -> set[str]:
    return {g.__name__ for t in (cases_definition.CREATE, *cases_definition.TRANSITIONS) for g in t.guards}


COVERED = {
    "guardian_or_adult_recorded", "consent_recorded", "team_complete", "female_examiner_for_girls",
    "exam_not_excepted_yet", "findings_recorded", "samples_handed_over", "has_samples", "no_interview_yet",
    "has_been_interviewed", "no_pending_reinterview", "reinterview_requested", "reinterview_approved",
    "assessment_and_plan_recorded", "no_live_aid_application", "no_open_aid_application",
    "aid_applications_ended", "visits_settled", "referrals_settled", "has_open_referrals",
    "has_open_visits", "not_suspended", "is_suspended", "has_open_tasks", "not_anonymised",
}


def test_every_guard_of_the_definition_is_covered_here():
    assert _guard_names() == COVERED


def assert_guard_fails(kit, who, case, trigger, guard, data=None) -> str:
    """Fire and expect 422 guard_failed with exactly `guard`'s reason; nothing may change."""
    before = kit.snapshot(case)
    expected = guard(case)
    assert expected, f"{guard.__name__} is met, the test set-up is wrong"
    expected = str(expected)
    assert expected.strip()
    user = None if who is None else kit.user(who)
    if user is not None:
        allowed, reason = can(user, trigger, case)
        assert (allowed, str(reason), reason.status, reason.code) == (False, expected, 422, "guard_failed")
    error = kit.refused(user, case, trigger, data)
    assert (error.status, error.code, error.message) == (422, "guard_failed", expected)
    assert kit.snapshot(case) == before
    return expected


# --- register -----------------------------------------------------------------------------------

def test_register_needs_a_guardian_or_appropriate_adult(kit):
    case = kit.staff(kit.make_case("referred", contacts=[]))
    assert case.contacts == []
    message = assert_guard_fails(kit, "intake_officer", case, "register", cases_definition.guardian_or_adult_recorded)
    assert message == str(_l("Record a guardian or an appropriate adult."))


@pytest.mark.parametrize("guardian", [
    {"kind": "guardian", "name": "钱某", "relation": "继父", "is_suspect": True},
    {"kind": "guardian", "name": "王某", "relation": "父亲", "absent": True},
], ids=["suspect", "absent"])
def test_register_needs_an_appropriate_adult_when_the_guardian_cannot_act(kit, guardian):
    case = kit.staff(kit.make_case("referred", contacts=[guardian]))
    message = assert_guard_fails(kit, "intake_officer", case, "register", cases_definition.guardian_or_adult_recorded)
    assert message == str(_l("The guardian is a suspect or absent: an appropriate adult must be recorded."))
    # Consent cannot come from that guardian either.
    error = kit.refused("intake_officer", case, "record_consent", {"given_by": case.contacts[0].id})
    assert (error.status, error.code) == (422, "invalid") and "given_by" in error.fields
    # With an appropriate adult the next guard (consent) is the one that fails.
    kit.fire("intake_officer", case, "add_contact")
    assert cases_definition.guardian_or_adult_recorded(case) is None
    assert_guard_fails(kit, "intake_officer", case, "register", cases_definition.consent_recorded)
    kit.fire("intake_officer", case, "record_consent",
             {"given_by": next(c.id for c in case.contacts if c.kind == "appropriate_adult")})
    kit.fire("intake_officer", case, "register")
    assert case.state == "registered"
    assert case.consent_given_by == "社区主任 何某"


def test_register_needs_consent(kit):
    case = kit.staff(kit.make_case("referred"))
    message = assert_guard_fails(kit, "intake_officer", case, "register", cases_definition.consent_recorded)
    assert message == str(_l("Record the guardian's (or appropriate adult's) consent."))


def test_register_needs_a_complete_team_and_names_the_missing_roles(kit, users):
    case = kit.make_case("referred")
    kit.fire("intake_officer", case, "record_consent")
    message = assert_guard_fails(kit, "intake_officer", case, "register", cases_definition.team_complete)
    for role in ("examiner", "interviewer", "psychologist", "case_prosecutor"):
        assert str(role_label(role)) in message
    kit.fire("supervisor", case, "assign_member", {"role": "examiner", "user_id": users["examiner"].id})
    kit.fire("supervisor", case, "assign_member", {"role": "psychologist", "user_id": users["psychologist"].id})
    message = assert_guard_fails(kit, "intake_officer", case, "register", cases_definition.team_complete)
    assert str(role_label("examiner")) not in message and str(role_label("psychologist")) not in message
    assert str(role_label("interviewer")) in message and str(role_label("case_prosecutor")) in message
    # The social worker is not required to register.
    kit.fire("supervisor", case, "assign_member", {"role": "interviewer", "user_id": users["interviewer"].id})
    kit.fire("supervisor", case, "assign_member",
             {"role": "case_prosecutor", "user_id": users["case_prosecutor"].id})
    kit.fire("intake_officer", case, "register")
    assert case.state == "registered" and case.member("social_worker") is None


# --- forensic exam ------------------------------------------------------------------------------

def test_girl_with_male_examiner_is_refused_until_a_supervisor_approves_an_exception(kit, users):
    case = kit.make_case("registered")
    kit.fire("supervisor", case, "assign_member", {"role": "examiner", "user_id": users["examiner_m"].id})
    message = assert_guard_fails(kit, "examiner_m", case, "start_exam", cases_definition.female_examiner_for_girls)
    assert message == str(_l("A girl must be examined by a female examiner, unless a supervisor approves "
                             "an exception."))
    kit.fire("supervisor", case, "approve_exam_exception")
    assert case.exam.exception_approved_by_id == users["supervisor"].id
    assert case.exam.exception_reason
    # Only once.
    assert_guard_fails(kit, "supervisor", case, "approve_exam_exception", cases_definition.exam_not_excepted_yet)
    kit.fire("examiner_m", case, "start_exam")
    assert case.state == "forensic_exam" and case.exam.examiner_id == users["examiner_m"].id


def test_boy_with_male_examiner_is_allowed_and_needs_no_exception(kit, users):
    case = kit.make_case("registered", child_name="王乐乐", sex="M")
    kit.fire("supervisor", case, "assign_member", {"role": "examiner", "user_id": users["examiner_m"].id})
    assert cases_definition.female_examiner_for_girls(case) is None
    message = assert_guard_fails(kit, "supervisor", case, "approve_exam_exception", cases_definition.exam_not_excepted_yet)
    assert message == str(_l("The female-examiner rule only applies to girls."))
    kit.fire("examiner_m", case, "start_exam")
    assert case.state == "forensic_exam"


def test_female_examiner_guard_without_an_examiner(kit):
    # Unreachable through the engine (only the team's examiner may start the exam), so call it directly.
    case = kit.make_case("referred")
    assert str(cases_definition.female_examiner_for_girls(case)) == str(_l("No examiner is assigned to the team."))


def test_complete_exam_needs_findings_and_custody_of_every_sample(kit):
    case = kit.make_case("forensic_exam")
    message = assert_guard_fails(kit, "examiner", case, "complete_exam", cases_definition.findings_recorded)
    assert message == str(_l("Record the exam findings first."))
    message = assert_guard_fails(kit, "examiner", case, "transfer_custody", cases_definition.has_samples, {})
    assert message == str(_l("No samples have been recorded."))
    kit.fire("examiner", case, "record_exam")
    kit.fire("examiner", case, "add_sample")
    kit.fire("examiner", case, "add_sample", {"label": "S-10", "kind": "衣物", "collected_at": utcnow()})
    message = assert_guard_fails(kit, "examiner", case, "complete_exam", cases_definition.samples_handed_over)
    assert "S-09" in message and "S-10" in message
    kit.fire("examiner", case, "transfer_custody")  # the first sample
    message = assert_guard_fails(kit, "examiner", case, "complete_exam", cases_definition.samples_handed_over)
    assert "S-10" in message and "S-09" not in message
    data = kit.DATA["transfer_custody"](case, kit.users) | {"sample_id": case.exam.samples[1].id}
    kit.fire("examiner", case, "transfer_custody", data)
    kit.fire("examiner", case, "complete_exam")
    assert case.state == "joint_interview" and case.exam.completed_at is not None


def test_duplicate_sample_label_and_hand_over_before_collection_are_invalid(kit):
    case = kit.make_case("forensic_exam")
    kit.fire("examiner", case, "add_sample")
    error = kit.refused("examiner", case, "add_sample")
    assert (error.status, error.code) == (422, "invalid") and "label" in error.fields
    data = kit.DATA["transfer_custody"](case, kit.users)
    data["handed_at"] = case.exam.samples[0].collected_at - dt.timedelta(hours=1)
    error = kit.refused("examiner", case, "transfer_custody", data)
    assert (error.status, error.code) == (422, "invalid") and "handed_at" in error.fields
    assert case.exam.samples[0].transfers == []


# --- the single-interview rule ------------------------------------------------------------------

@pytest.mark.parametrize("trigger", ["complete_interview", "use_prior_interview"])
def test_the_child_is_interviewed_once(kit, trigger):
    case = kit.make_case("joint_interview")
    # The data says the child was already interviewed (e.g. a record carried over): refused.
    case.interview_count = 1
    db.session.commit()
    message = assert_guard_fails(kit, "interviewer", case, trigger, cases_definition.no_interview_yet)
    assert message == str(_l("The child has already been interviewed; a further interview needs an "
                             "approved re-interview request."))


def test_no_second_joint_interview_after_the_first(kit):
    case = kit.make_case("joint_interview")
    kit.fire("interviewer", case, "complete_interview")
    assert case.interview_count == 1 and case.state == "psych_intervention"
    for trigger in ("complete_interview", "use_prior_interview"):
        error = kit.refused("interviewer", case, trigger)
        assert (error.status, error.code) == (409, "wrong_state")
    assert case.interview_count == 1 and len(case.interviews) == 1


def test_use_prior_interview_counts_as_the_interview(kit):
    case = kit.make_case("joint_interview")
    kit.fire("interviewer", case, "use_prior_interview")
    assert case.state == "psych_intervention" and case.interview_count == 1
    assert case.interviews[0].kind == "prior" and case.interviews[0].prior_agency == "市公安局"


def test_supplementary_interview_only_after_request_and_approval(kit, users):
    case = kit.make_case("psych_intervention")
    approved = str(_l("A supplementary interview needs a re-interview request approved by the supervisor."))
    assert assert_guard_fails(kit, "interviewer", case, "record_supplementary_interview",
                              cases_definition.reinterview_approved) == approved
    message = assert_guard_fails(kit, "supervisor", case, "approve_reinterview", cases_definition.reinterview_requested)
    assert message == str(_l("No re-interview has been requested."))

    kit.fire("case_prosecutor", case, "request_reinterview")
    message = assert_guard_fails(kit, "case_prosecutor", case, "request_reinterview", cases_definition.no_pending_reinterview)
    assert message == str(_l("A re-interview request is already pending."))
    assert assert_guard_fails(kit, "interviewer", case, "record_supplementary_interview",
                              cases_definition.reinterview_approved) == approved

    kit.fire("supervisor", case, "approve_reinterview")
    message = assert_guard_fails(kit, "supervisor", case, "approve_reinterview", cases_definition.reinterview_requested)
    assert message == str(_l("The re-interview request is already approved."))
    request = case.reinterview_requests[0]
    assert request.approved_by_id == users["supervisor"].id and request.used_by_interview_id is None

    kit.fire("interviewer", case, "record_supplementary_interview")
    assert case.interview_count == 2
    assert [i.kind for i in case.interviews] == ["joint", "supplementary"]
    assert [i.sequence for i in case.interviews] == [1, 2]
    assert request.used_by_interview_id == case.interviews[1].id  # the approval is consumed
    assert case.state == "psych_intervention"
    assert_guard_fails(kit, "interviewer", case, "record_supplementary_interview", cases_definition.reinterview_approved)
    # A new request may follow.
    kit.fire("case_prosecutor", case, "request_reinterview")
    assert len(case.reinterview_requests) == 2


def test_reinterview_needs_a_first_interview(kit):
    case = kit.make_case("psych_intervention")
    case.interview_count = 0  # e.g. a record without its interview: the guard still holds the line
    db.session.commit()
    message = assert_guard_fails(kit, "case_prosecutor", case, "request_reinterview", cases_definition.has_been_interviewed)
    assert message == str(_l("The child has not been interviewed yet."))


def _assert_interview_refused(kit, case, data, field="attendees") -> WorkflowError:
    before = kit.snapshot(case)
    interviews = db.session.scalar(db.select(db.func.count(Interview.id)).where(Interview.case_id == case.id))
    error = kit.refused("interviewer", case, "complete_interview", data)
    assert (error.status, error.code) == (422, "invalid")
    assert field in error.fields and error.fields[field]
    assert kit.snapshot(case) == before
    assert db.session.scalar(db.select(db.func.count(Interview.id))
                             .where(Interview.case_id == case.id)) == interviews == 0
    assert case.state == "joint_interview" and case.interview_count == 0
    return error


def test_an_incident_suspect_never_attends_the_interview(kit, users):
    case = kit.make_case("joint_interview")
    attendees = kit.interview_data(users)["attendees"] + [{"name": "赵某", "role": "other"}]
    error = _assert_interview_refused(kit, case, kit.interview_data(users, attendees))
    assert "赵某" in error.message
    # Surrounding spaces do not hide the name.
    attendees[-1] = {"name": " 赵某 ", "role": "recorder"}
    _assert_interview_refused(kit, case, kit.interview_data(users, attendees))


def test_a_guardian_who_is_a_suspect_never_attends(kit, users):
    case = kit.make_case("joint_interview", suspects=[], contacts=[
        {"kind": "guardian", "name": "钱某", "relation": "继父", "is_suspect": True},
        {"kind": "guardian", "name": "孙梅", "relation": "母亲"}])
    assert case.incident.suspects == []
    attendees = [{"name": users["interviewer"].full_name, "role": "interviewer"},
                 {"name": users["psychologist"].full_name, "role": "psychologist"},
                 {"name": "钱某", "role": "guardian"}]
    error = _assert_interview_refused(kit, case, kit.interview_data(users, attendees))
    assert "钱某" in error.message
    attendees[-1] = {"name": "孙梅", "role": "guardian"}
    kit.fire("interviewer", case, "complete_interview", kit.interview_data(users, attendees))
    assert case.state == "psych_intervention"
    assert [a.name for a in case.interviews[0].attendees][-1] == "孙梅"


@pytest.mark.parametrize("missing", ["interviewer", "psychologist", "guardian"])
def test_attendance_must_include_interviewer_psychologist_and_guardian(kit, users, missing):
    case = kit.make_case("joint_interview")
    attendees = [a for a in kit.interview_data(users)["attendees"] if a["role"] != missing]
    error = _assert_interview_refused(kit, case, kit.interview_data(users, attendees))
    label = {"interviewer": _l("interviewer"), "psychologist": _l("psychologist"),
             "guardian": _l("guardian or appropriate adult")}[missing]
    expected = str(_l("Attendance must include: %(roles)s.", roles=str(label)))
    assert error.message == expected and error.fields["attendees"] == [expected]


def test_an_appropriate_adult_may_attend_instead_of_the_guardian(kit, users):
    case = kit.make_case("joint_interview")
    attendees = [a for a in kit.interview_data(users)["attendees"] if a["role"] != "guardian"]
    attendees.append({"name": "社区主任 何某", "role": "appropriate_adult"})
    kit.fire("interviewer", case, "complete_interview", kit.interview_data(users, attendees))
    assert case.state == "psych_intervention"


def test_interview_form_errors_are_reported_by_field(kit, users):
    case = kit.make_case("joint_interview")
    data = kit.interview_data(users)
    data["ended_at"] = data["started_at"] - dt.timedelta(minutes=5)
    _assert_interview_refused(kit, case, data, field="ended_at")
    _assert_interview_refused(kit, case, kit.interview_data(users, []), field="attendees")


# --- psychological support, aid, follow-up ------------------------------------------------------

def test_complete_intervention_needs_assessment_then_plan(kit):
    case = kit.make_case("psych_intervention")
    message = assert_guard_fails(kit, "psychologist", case, "complete_intervention", cases_definition.assessment_and_plan_recorded)
    assert message == str(_l("Record the psychological assessment."))
    kit.fire("psychologist", case, "record_assessment")
    message = assert_guard_fails(kit, "psychologist", case, "complete_intervention", cases_definition.assessment_and_plan_recorded)
    assert message == str(_l("Record the intervention plan (sessions or external referral)."))
    kit.fire("psychologist", case, "record_plan")
    kit.fire("psychologist", case, "complete_intervention")
    assert case.state == "aid_review"


def test_an_open_aid_application_blocks_declining_and_a_second_flag(kit):
    case = kit.make_case("aid_review")
    # No application at all: the system cannot conclude.
    error = kit.refused(None, case, "conclude_aid")
    assert (error.status, error.code, error.message) == (422, "guard_failed", str(aid_definition.aid_applications_ended(case)))
    kit.fire("case_prosecutor", case, "flag_aid")
    message = assert_guard_fails(kit, "case_prosecutor", case, "decline_aid", aid_definition.no_open_aid_application)
    assert message == str(_l("Judicial aid is flagged: the aid application must end first."))
    message = assert_guard_fails(kit, "case_prosecutor", case, "flag_aid", aid_definition.no_live_aid_application)
    assert case.aid_applications[0].number in message
    error = kit.refused(None, case, "conclude_aid")
    assert (error.status, error.code, error.message) == (422, "guard_failed",
                                                           str(_l("The aid application has not ended.")))
    assert case.state == "aid_review"


def test_request_closure_waits_for_every_scheduled_visit(kit):
    case = kit.make_case("follow_up")
    assert len(case.visits) == 3
    message = assert_guard_fails(kit, "social_worker", case, "request_closure", guards.visits_settled)
    assert message == str(_l("%(n)d scheduled visit(s) are neither done nor cancelled.", n=3))
    kit.fire("social_worker", case, "record_visit")
    # Cancelling needs a reason.
    error = kit.refused("case_prosecutor", case, "cancel_visit", {"visit_id": case.visits[1].id})
    assert (error.status, error.code) == (422, "invalid") and "reason" in error.fields
    kit.fire("case_prosecutor", case, "cancel_visit")
    message = assert_guard_fails(kit, "social_worker", case, "request_closure", guards.visits_settled)
    assert message == str(_l("%(n)d scheduled visit(s) are neither done nor cancelled.", n=1))
    kit.fire("social_worker", case, "cancel_visit")
    assert [v.status for v in case.visits] == ["done", "cancelled", "cancelled"]
    assert all(v.cancel_reason for v in case.visits[1:])
    message = assert_guard_fails(kit, "social_worker", case, "record_visit", guards.has_open_visits, {})
    assert message == str(_l("There is no scheduled visit."))
    assert_guard_fails(kit, "case_prosecutor", case, "cancel_visit", guards.has_open_visits, {})
    kit.fire("social_worker", case, "request_closure")
    assert case.state == "closure_review"


def test_visit_dates_are_checked(kit):
    case = kit.make_case("follow_up")
    data = kit.DATA["record_visit"](case, kit.users) | {"done_on": utcnow().date() + dt.timedelta(days=2)}
    error = kit.refused("social_worker", case, "record_visit", data)
    assert (error.status, error.code) == (422, "invalid") and "done_on" in error.fields
    error = kit.refused("social_worker", case, "add_visit", {"due_on": utcnow().date() - dt.timedelta(days=1)})
    assert (error.status, error.code) == (422, "invalid") and "due_on" in error.fields
    assert [v.status for v in case.visits] == ["scheduled"] * 3


# --- suspension and withdrawal ------------------------------------------------------------------

def test_a_suspended_case_blocks_every_trigger_but_resume_and_team_changes(kit, users):
    case = kit.make_case("registered")
    kit.fire("supervisor", case, "suspend")
    assert case.suspended and case.state == "registered"
    before = kit.snapshot(case)
    blocked = [t for t in cases_definition.TRANSITIONS if not t.allowed_while_suspended]
    assert {t.trigger for t in cases_definition.TRANSITIONS if t.allowed_while_suspended} == {"resume", "assign_member"}
    problems = []
    for transition in blocked:
        user = None if transition.automatic else kit.actor(transition.roles[0], case)
        try:
            kit.fire(user, case, transition.trigger, {})
        except WorkflowError as exc:
            if (exc.status, exc.code) != (409, "suspended") or "儿童住院治疗" not in exc.message:
                problems.append((transition.trigger, exc.status, exc.code, exc.message))
        else:
            problems.append((transition.trigger, "fired"))
        if user is not None:
            allowed, reason = can(user, transition.trigger, case)
            if (allowed, reason.status, reason.code) != (False, 409, "suspended"):
                problems.append((transition.trigger, "can()", allowed, reason))
    assert problems == []
    assert kit.snapshot(case) == before
    # The guard of `suspend` itself is shadowed by the suspension check; it still says why.
    assert str(cases_definition.not_suspended(case)) == str(_l("The case is already suspended."))

    kit.fire("supervisor", case, "assign_member", {"role": "examiner", "user_id": users["examiner_m"].id})
    assert case.member("examiner") == users["examiner_m"]
    kit.fire("supervisor", case, "resume")
    assert not case.suspended and case.suspend_reason is None and case.state == "registered"
    message = assert_guard_fails(kit, "supervisor", case, "resume", cases_definition.is_suspended)
    assert message == str(_l("The case is not suspended."))
    kit.fire("supervisor", case, "waive_exam")
    assert case.state == "joint_interview"


def test_an_anonymised_case_is_neither_reopened_nor_given_a_judgment(kit):
    case = kit.make_case("closed")
    case.anonymised_at = utcnow()  # as workflow/retention leaves it (tests/retention anonymise for real)
    db.session.commit()
    message = assert_guard_fails(kit, "supervisor", case, "reopen", cases_definition.not_anonymised,
                                 {"reason": "发现新的证据。"})
    assert message == str(_l("The case was anonymised under retention."))
    assert_guard_fails(kit, "case_prosecutor", case, "record_judgment", cases_definition.not_anonymised)


@pytest.mark.parametrize("state, ok", [("referred", True), ("registered", True), ("forensic_exam", False),
                                       ("closed", False)])
def test_withdraw_only_from_referred_or_registered(kit, state, ok):
    case = kit.make_case(state)
    if ok:
        kit.fire("supervisor", case, "withdraw")
        assert case.state == "withdrawn"
        assert kit.open_tasks(case) == []
        error = kit.refused("supervisor", case, "reopen")
        assert (error.status, error.code) == (409, "wrong_state")
    else:
        error = kit.refused("supervisor", case, "withdraw")
        assert (error.status, error.code) == (409, "wrong_state")
        assert case.state == state


def test_the_system_cannot_move_a_suspended_case(kit):
    """The system's conclude_aid obeys the suspension like every other trigger (409 suspended)."""
    case = kit.prepare("conclude_aid")  # aid_review, aid application ended
    kit.fire("supervisor", case, "suspend")
    before = kit.snapshot(case)
    error = kit.refused(None, case, "conclude_aid")
    assert (error.status, error.code) == (409, "suspended")
    assert kit.snapshot(case) == before
    kit.fire("supervisor", case, "resume")
    # Resuming lets the pending automatic step happen in the same transaction.
    assert case.state == "follow_up"
    assert [e.action for e in kit.events(case)][-2:] == ["resume", "conclude_aid"]


def test_a_case_with_an_open_aid_application_cannot_be_withdrawn(kit):
    case = kit.make_case("registered")
    kit.fire("case_prosecutor", case, "flag_aid")
    assert_guard_fails(kit, "supervisor", case, "withdraw", aid_definition.no_open_aid_application)


def test_extending_a_clock_needs_an_open_task(kit):
    case = kit.make_case("registered")
    for task in case.tasks:
        task.closed_at = utcnow()
    db.session.commit()
    message = assert_guard_fails(kit, "supervisor", case, "extend_clock", cases_definition.has_open_tasks,
                                 {"task_id": case.tasks[0].id, "new_due": "2099-01-01", "reason": "延期"})
    assert message == str(_l("The case has no open task."))
