"""Emergency aid (approved and paid first, investigated afterwards) and verification entrusted to
another procuratorate, through the API."""
from __future__ import annotations

from aid_helpers import EMERGENCY, FINANCES, apply_data, case_events, open_tasks, payment, proposal

from workflow.core.roles import aid_level_label

VERIFY = {"request": "请核实申请人在贵地的家庭收入及财产状况。"}
REPORT = {"finances_confirmed": "yes", "report": "经走访村委会及银行查询，申请人家庭收入情况属实。"}
FOLLOW_UP = ("emergency_approve", "aid_officer")  # the task the emergency approval opens


def _accepted(api, flagged) -> tuple[int, int]:
    case, application = flagged
    api.ok_aid(application["id"], "apply", "aid_officer", apply_data())
    api.ok_aid(application["id"], "accept", "aid_officer")
    return case.id, application["id"]


def test_emergency_aid_is_paid_first_and_investigated_afterwards(api, flagged):
    case_id, aid_id = _accepted(api, flagged)
    assert api.allowed(api.aid(aid_id, "aid_deputy"))["emergency_approve"] is True

    # A department head may not approve emergency aid; a deputy chief may.
    error = api.refused(aid_id, "emergency_approve", "aid_approver", 403, "not_permitted", EMERGENCY)
    assert str(aid_level_label("department_head")) in error["message"]
    api.refused(aid_id, "emergency_approve", "aid_officer", 403, "forbidden", EMERGENCY)
    body = api.ok_aid(aid_id, "emergency_approve", "aid_deputy", EMERGENCY)
    assert (body["state"], body["version"], body["emergency"]) == ("approved", 4, True)
    assert body["approved_fen"] == 1_000_000 and body["decision"]["decided_by"]["username"] == "aid_deputy"
    assert body["proposal"]["total_fen"] is None  # no review report yet
    follow_up = open_tasks(body)[FOLLOW_UP]
    assert follow_up["assignee"]["username"] == "aid_officer"  # the officer who accepted
    assert follow_up["id"] in [t["id"] for t in api.tasks("aid_officer")]

    # Finance pays at once; the application is disbursed and the case moves on ...
    body = api.ok_aid(aid_id, "record_payment", "finance_officer", payment(1_000_000, "JJ-1"))
    assert (body["state"], body["version"], body["paid_fen"]) == ("disbursed", 7, 1_000_000)  # + 2 automatic
    assert api.case(case_id, "case_prosecutor")["state"] == "follow_up"
    assert case_events(case_id)[-1] == "conclude_aid"
    # ... but the investigation and the review report are still owed.
    assert FOLLOW_UP in open_tasks(body)
    seen = api.aid(aid_id, "aid_officer")
    assert api.allowed(seen)["record_finances"] is True
    refused = next(a for a in seen["actions"] if a["trigger"] == "record_emergency_proposal")
    assert (refused["allowed"], refused["status"], refused["code"]) == (False, 422, "guard_failed")  # finances first
    api.refused(aid_id, "record_emergency_proposal", "aid_officer", 422, "guard_failed", proposal(1_000_000))

    body = api.ok_aid(aid_id, "record_finances", "aid_officer", FINANCES)
    assert FOLLOW_UP in open_tasks(body) and body["version"] == 8
    body = api.ok_aid(aid_id, "record_emergency_proposal", "aid_officer", proposal(1_000_000))
    assert (body["state"], body["version"]) == ("disbursed", 9)
    assert body["proposal"]["total_fen"] == 1_000_000 and body["proposal"]["proposed_by"]["username"] == "aid_officer"
    assert FOLLOW_UP not in open_tasks(body)
    assert follow_up["id"] not in [t["id"] for t in api.tasks("aid_officer")]
    # The amount stands; the report is written once.
    assert (body["approved_fen"], body["paid_fen"], body["recovered_fen"]) == (1_000_000, 1_000_000, 0)
    api.refused(aid_id, "record_emergency_proposal", "aid_officer", 422, "guard_failed", proposal(1_000_000))


def test_emergency_aid_is_limited_to_the_deputy_chiefs_threshold(api, flagged):
    _case_id, aid_id = _accepted(api, flagged)
    error = api.refused(aid_id, "emergency_approve", "aid_chief", 422, "invalid",
                        {**EMERGENCY, "amount_fen": 10_000_001})
    assert set(error["fields"]) == {"amount_fen"}
    body = api.ok_aid(aid_id, "emergency_approve", "aid_chief", {**EMERGENCY, "amount_fen": 10_000_000})
    assert (body["state"], body["approved_fen"]) == ("approved", 10_000_000)


def test_verification_entrusted_to_another_procuratorate(api, flagged, users):
    _case_id, application = flagged
    aid_id = application["id"]
    api.to_investigating(aid_id)
    remote = users["remote_aid_officer"]
    # Before it is entrusted, the other procuratorate cannot even see the application.
    api.error(api.get(f"/aid/{aid_id}", "remote_aid_officer"), 404, "not_found")

    body = api.ok_aid(aid_id, "entrust_verification", "aid_officer", {**VERIFY, "agency_id": remote.agency_id})
    assert (body["state"], body["version"]) == ("investigating", 6)
    assert [(v["agency"]["id"], v["report"]) for v in body["verifications"]] == [(remote.agency_id, None)]
    # The officer cannot propose while the verification is open, nor entrust a second one.
    actions = {a["trigger"]: a for a in body["actions"]}
    assert (actions["propose"]["allowed"], actions["propose"]["code"]) == (False, "guard_failed")
    error = api.refused(aid_id, "propose", "aid_officer", 422, "guard_failed", proposal(2_500_000))
    assert remote.agency.name in error["message"]
    api.refused(aid_id, "entrust_verification", "aid_officer", 422, "guard_failed",
                {**VERIFY, "agency_id": remote.agency_id})
    # The home officer is no verifier.
    api.refused(aid_id, "report_verification", "aid_officer", 403, "not_on_team", REPORT)

    # The other procuratorate's aid officer has a task, shared by its aid officers ...
    [task] = [t for t in api.tasks("remote_aid_officer") if t["aid_application_id"] == aid_id]
    assert (task["role"], task["state"], task["assignee"]) == ("verifier", "entrust_verification", None)
    assert not any(t["id"] == task["id"] for t in api.tasks("aid_officer"))
    # ... and sees only what verifying needs.
    seen = api.aid(aid_id, "remote_aid_officer")
    assert seen["restricted"] == ["aid"]
    assert not {"finances", "proposal", "decision", "ledger", "tasks", "statement", "documents"} & set(seen)
    assert seen["applicant"]["name"] == "张丽" and seen["verifications"][0]["request"] == VERIFY["request"]
    assert api.allowed(seen) == {"report_verification": True}
    api.refused(aid_id, "propose", "remote_aid_officer", 403, "not_on_team", proposal(2_500_000))

    body = api.ok_aid(aid_id, "report_verification", "remote_aid_officer", REPORT)
    assert body["restricted"] == ["aid"] and body["version"] == 7
    assert body["verifications"][0]["finances_confirmed"] is True
    assert not any(t["aid_application_id"] == aid_id for t in api.tasks("remote_aid_officer"))
    assert api.allowed(body) == {"report_verification": False}  # nothing left to report

    officer = api.aid(aid_id, "aid_officer")
    assert officer["verifications"][0]["report"] == REPORT["report"]
    assert api.allowed(officer)["propose"] is True
    body = api.ok_aid(aid_id, "propose", "aid_officer", proposal(2_500_000))
    assert (body["state"], body["version"]) == ("proposed", 8)
