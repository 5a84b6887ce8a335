"""Proposals and their approval through the API: the approval matrix (department head, deputy chief,
chief procurator's meeting), the cap, rejection, and the case moving on once its aid has ended."""
from __future__ import annotations

from aid_helpers import (
    APPROVE,
    CAP_FEN,
    MEETING,
    REFUSAL,
    case_events,
    notify,
    open_tasks,
    payment,
    proposal,
)

from workflow.core.roles import aid_level_label


def _investigating(api, flagged) -> tuple[int, int]:
    """(case id, application id) of a flagged application walked to `investigating` with finances."""
    case, application = flagged
    api.to_investigating(application["id"])
    return case.id, application["id"]


def test_single_level_approval_then_instalments_until_disbursed(api, flagged, users):
    case, application = flagged
    aid_id = application["id"]
    assert (application["state"], application["version"]) == ("flagged", 1)
    case_version = api.case(case.id, "case_prosecutor")["version"]
    assert api.case(case.id, "case_prosecutor")["state"] == "aid_review"

    body = api.to_investigating(aid_id)
    assert (body["state"], body["version"]) == ("investigating", 5)
    assert body["officer"]["username"] == "aid_officer"

    # 25,000 yuan in two instalments: the department head decides.
    body = api.ok_aid(aid_id, "propose", "aid_officer", proposal(2_500_000, instalments=[1_500_000, 1_000_000]))
    assert (body["state"], body["version"]) == ("proposed", 6)
    assert body["proposal"]["total_fen"] == 2_500_000 and body["proposal"]["county_fen"] == 2_500_000
    assert body["proposal"]["required_level"] == "department_head"
    assert body["proposal"]["cap_fen"] == CAP_FEN
    assert [row["amount_fen"] for row in body["proposal"]["instalments"]] == [1_500_000, 1_000_000]
    assert set(open_tasks(body)) == {("proposed", "aid_approver")}

    # Who could decide: the approvers; the officer and finance see no approve action at all.
    assert api.allowed(api.aid(aid_id, "aid_approver"))["approve"] is True
    assert api.allowed(api.aid(aid_id, "aid_deputy"))["approve"] is True
    assert "approve" not in api.allowed(api.aid(aid_id, "aid_officer"))
    assert "approve" not in api.allowed(api.aid(aid_id, "finance_officer"))
    api.refused(aid_id, "approve", "aid_officer", 403, "forbidden", APPROVE)
    api.refused(aid_id, "approve", "finance_officer", 403, "forbidden", APPROVE)

    body = api.ok_aid(aid_id, "approve", "aid_approver", APPROVE)
    assert (body["state"], body["version"], body["approved_fen"]) == ("approved", 7, 2_500_000)
    assert body["decision"]["decided_by"]["username"] == "aid_approver"
    assert set(open_tasks(body)) == {("approved", "finance_officer"), ("approved", "aid_officer")}  # pay, notify
    assert api.case(case.id, "case_prosecutor")["state"] == "aid_review"  # approved is not the end

    # Finance pays: the first instalment starts the disbursement by itself (two versions).
    finance_tasks = [t for t in api.tasks("finance_officer") if t["aid_application_id"] == aid_id]
    assert [t["state"] for t in finance_tasks] == ["approved"]
    assert api.allowed(api.aid(aid_id, "finance_officer"))["record_payment"] is True
    assert "record_payment" not in api.allowed(api.aid(aid_id, "aid_officer"))
    api.refused(aid_id, "record_payment", "aid_officer", 403, "forbidden", payment(1_500_000))
    body = api.ok_aid(aid_id, "record_payment", "finance_officer", payment(1_500_000, "ZF-1"))
    assert (body["state"], body["version"]) == ("disbursing", 9)
    assert (body["paid_fen"], body["recovered_fen"]) == (1_500_000, 0)
    assert [t["state"] for t in api.tasks("finance_officer") if t["aid_application_id"] == aid_id] == ["disbursing"]
    assert api.case(case.id, "case_prosecutor")["state"] == "aid_review"

    body = api.ok_aid(aid_id, "record_payment", "finance_officer", payment(1_000_000, "ZF-2"))
    assert (body["state"], body["version"]) == ("disbursed", 11)
    assert (body["paid_fen"], body["recovered_fen"]) == (2_500_000, 0)
    assert [(e["kind"], e["amount_fen"], e["reference"]) for e in body["ledger"]] == [
        ("payment", 1_500_000, "ZF-1"), ("payment", 1_000_000, "ZF-2")]
    assert not any(t["aid_application_id"] == aid_id for t in api.tasks("finance_officer"))
    assert not api.allowed(api.aid(aid_id, "finance_officer"))["record_payment"]

    # The application has ended with aid: the case concluded its aid review by itself.
    after = api.case(case.id, "case_prosecutor")
    assert after["state"] == "follow_up" and after["version"] == case_version + 1
    assert case_events(case.id)[-2:] == ["flag_aid", "conclude_aid"]
    assert [(a["state"], a["paid_fen"]) for a in after["aid_applications"]] == [("disbursed", 2_500_000)]

    # The applicant is still owed the notice (that task outlives the approval).
    assert set(open_tasks(body)) == {("approved", "aid_officer")}
    body = api.ok_aid(aid_id, "notify_applicant", "aid_officer", notify())
    assert open_tasks(body) == {} and body["version"] == 12 and body["state"] == "disbursed"


def test_joint_aid_from_three_levels_needs_the_deputy_chief(api, flagged):
    _case_id, aid_id = _investigating(api, flagged)
    body = api.ok_aid(aid_id, "propose", "aid_officer",
                      proposal(4_500_000, county=1_500_000, city=1_500_000, province=1_500_000))
    assert body["proposal"]["required_level"] == "deputy_chief"
    assert [body["proposal"][f"{level}_fen"] for level in ("county", "city", "province")] == [1_500_000] * 3
    assert body["proposal"]["instalments"] == [{"due_on": body["proposal"]["instalments"][0]["due_on"],
                                                "amount_fen": 4_500_000}]  # one payment by default

    # The department head sees the action refused, and why.
    action = next(a for a in api.aid(aid_id, "aid_approver")["actions"] if a["trigger"] == "approve")
    assert (action["allowed"], action["status"], action["code"]) == (False, 403, "not_permitted")
    error = api.refused(aid_id, "approve", "aid_approver", 403, "not_permitted", APPROVE)
    assert str(aid_level_label("deputy_chief")) in error["message"]
    assert error["message"] == action["reason"]
    # ... and may not return it either (same level rule).
    api.refused(aid_id, "return_proposal", "aid_approver", 403, "not_permitted", {"reason": "请补充材料。"})

    body = api.ok_aid(aid_id, "approve", "aid_deputy", {"decision_note": "同意三级联合救助四万五千元。"})
    assert (body["state"], body["approved_fen"], body["version"]) == ("approved", 4_500_000, 7)
    assert body["decision"]["decided_by"]["username"] == "aid_deputy"


def test_above_the_cap_needs_a_reason_and_the_chief_procurators_meeting(api, flagged):
    _case_id, aid_id = _investigating(api, flagged)
    over = proposal(40_000_000, city=20_000_000, province=20_000_000)

    error = api.refused(aid_id, "propose", "aid_officer", 422, "invalid", over)
    assert set(error["fields"]) == {"over_cap_reason"}
    assert api.aid(aid_id, "aid_officer")["proposal"]["total_fen"] is None

    body = api.ok_aid(aid_id, "propose", "aid_officer", {**over, "over_cap_reason": "儿童需多次手术，费用远超上限。"})
    assert body["proposal"]["required_level"] == "chief"
    assert body["proposal"]["cap_fen"] == CAP_FEN and body["proposal"]["over_cap_reason"]

    for approver in ("aid_approver", "aid_deputy"):
        error = api.refused(aid_id, "approve", approver, 403, "not_permitted", APPROVE)
        assert str(aid_level_label("chief")) in error["message"]
    assert api.allowed(api.aid(aid_id, "aid_chief"))["approve"] is True

    # The chief decides only with the meeting's record.
    error = api.refused(aid_id, "approve", "aid_chief", 422, "invalid", APPROVE)
    assert set(error["fields"]) == {"meeting_on", "meeting_attendees", "meeting_resolution"}
    error = api.refused(aid_id, "approve", "aid_chief", 422, "invalid",
                        {**APPROVE, "meeting_on": MEETING["meeting_on"], "meeting_attendees": "  "})
    assert set(error["fields"]) == {"meeting_attendees", "meeting_resolution"}

    body = api.ok_aid(aid_id, "approve", "aid_chief", {**APPROVE, **MEETING})
    assert (body["state"], body["approved_fen"], body["version"]) == ("approved", 40_000_000, 7)
    assert body["decision"]["meeting"] == {"on": MEETING["meeting_on"], "attendees": MEETING["meeting_attendees"],
                                           "resolution": MEETING["meeting_resolution"]}


def test_the_approval_matrix_at_its_boundaries(api, flagged):
    """Each proposal is returned by the chief and resubmitted: the level follows the total."""
    _case_id, aid_id = _investigating(api, flagged)
    expected = [(3_000_000, "department_head"), (3_000_001, "deputy_chief"), (10_000_000, "deputy_chief"),
                (10_000_001, "chief"), (CAP_FEN, "chief")]
    for total, level in expected:
        body = api.ok_aid(aid_id, "propose", "aid_officer", proposal(total))
        assert (body["proposal"]["total_fen"], body["proposal"]["required_level"]) == (total, level)
        body = api.ok_aid(aid_id, "return_proposal", "aid_chief", {"reason": "演练：退回重报。"})
        assert body["state"] == "investigating"
    # exactly the cap needs no written reason; one fen more does
    api.refused(aid_id, "propose", "aid_officer", 422, "invalid", proposal(CAP_FEN + 1))


def test_rejection_with_grounds_concludes_the_case_and_the_notice_closes_its_task(api, flagged):
    case_id, aid_id = _investigating(api, flagged)
    api.ok_aid(aid_id, "propose", "aid_officer", proposal(2_500_000))

    error = api.refused(aid_id, "reject", "aid_approver", 422, "invalid", {"reason": REFUSAL["reason"]})
    assert set(error["fields"]) == {"refusal_grounds"}
    api.refused(aid_id, "reject", "aid_officer", 403, "forbidden", REFUSAL)

    body = api.ok_aid(aid_id, "reject", "aid_approver", REFUSAL)
    assert (body["state"], body["version"], body["approved_fen"]) == ("rejected", 7, None)
    assert body["refusal_grounds"] == ["compensated"] and body["decision"]["note"] == REFUSAL["reason"]
    assert (body["paid_fen"], body["recovered_fen"], body["ledger"]) == (0, 0, [])
    assert api.case(case_id, "case_prosecutor")["state"] == "follow_up"
    assert case_events(case_id)[-1] == "conclude_aid"

    # Only the notice is left; nobody pays a rejected application.
    notice = open_tasks(body)
    assert list(notice) == [("rejected", "aid_officer")]
    notice = notice["rejected", "aid_officer"]
    assert notice["assignee"]["username"] == "aid_officer"
    assert notice["id"] in [t["id"] for t in api.tasks("aid_officer")]
    api.refused(aid_id, "record_payment", "finance_officer", 409, "wrong_state", payment(100))
    body = api.ok_aid(aid_id, "notify_applicant", "aid_officer", notify())
    assert open_tasks(body) == {} and body["decision"]["notified_on"] == notify()["notified_on"]
    assert not any(t["aid_application_id"] == aid_id for t in api.tasks("aid_officer"))
    api.refused(aid_id, "notify_applicant", "aid_officer", 422, "guard_failed", notify())
