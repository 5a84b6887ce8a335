"""A case created through the API and taken from referral to closure, each step by its role's token."""
from __future__ import annotations

import datetime as dt

NOW = dt.datetime.now().replace(microsecond=0, second=0)
TODAY = dt.date.today().isoformat()

REFERRAL = {
    "referral_source": "hospital",
    "referral_detail": "急诊接诊后报告。",
    "child_name": "李小雨",
    "child_sex": "F",
    "child_birth_date": "2016-05-12",
    "offence_type": "indecency",
    "police_case_no": "公刑立字〔2026〕1187号",
    "contacts": [{"kind": "guardian", "name": "张丽", "relation": "母亲", "phone": "13800138000"}],
    "suspects": [{"name": "赵某", "relation_to_victims": "邻居"}],
}


def _task_for(api, username: str, case_id: int, state: str) -> dict | None:
    return next((t for t in api.tasks(username) if t["case_id"] == case_id and t["state"] == state), None)


def test_create_then_walk_to_closed_with_decline_aid(api, users):
    response = api.post("/cases", "intake_officer", json=REFERRAL)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    cid = case["id"]
    assert response.headers["Location"].endswith(f"/api/v1/cases/{cid}")
    assert case["state"] == "referred" and case["version"] == 1 and case["child"]["age"] >= 9
    assert case["incident"]["suspects"] == [{"name": "赵某", "relation_to_victims": "邻居"}]
    task = _task_for(api, "intake_officer", cid, "referred")
    assert task and task["role"] == "intake_officer" and task["case_number"] == case["number"]
    assert task["assignee"]["username"] == "intake_officer" and task["title"] and task["overdue"] is False

    def step(username, trigger, data=None, *, state):
        body = api.ok(cid, trigger, username, data)
        assert body["state"] == state, (trigger, body["state"])
        return body

    def handed_to(username, role, state):
        """The state's task is open for `username` and no longer for anyone else's earlier step."""
        task = _task_for(api, username, cid, state)
        assert task is not None, (username, state, api.tasks(username))
        assert task["role"] == role
        open_tasks = [t for t in api.case(cid, username)["tasks"] if t["closed_at"] is None]
        assert [(t["state"], t["role"]) for t in open_tasks] == [(state, role)]

    for role in ("examiner", "interviewer", "psychologist", "case_prosecutor", "social_worker"):
        step("supervisor", "assign_member", {"role": role, "user_id": users[role].id}, state="referred")
    guardian = api.case(cid, "intake_officer")["contacts"][0]
    step("intake_officer", "record_consent", {"given_by": guardian["id"], "note": "书面同意"}, state="referred")
    step("intake_officer", "register", state="registered")
    assert _task_for(api, "intake_officer", cid, "referred") is None
    handed_to("examiner", "examiner", "registered")

    step("examiner", "start_exam", state="forensic_exam")
    handed_to("examiner", "examiner", "forensic_exam")
    step("examiner", "record_exam", {"findings": "轻度红肿", "injuries": [{"body_site": "左上臂", "description": "淤青"}]},
         state="forensic_exam")
    body = step("examiner", "add_sample", {"label": "S-01", "kind": "拭子",
                                           "collected_at": (NOW - dt.timedelta(hours=1)).isoformat()},
                state="forensic_exam")
    sample = body["medical"]["samples"][0]
    step("examiner", "transfer_custody", {"sample_id": sample["id"], "from_name": "林静", "to_name": "钱某",
                                          "to_agency": "物证鉴定所", "handed_at": NOW.isoformat()}, state="forensic_exam")
    body = step("examiner", "complete_exam", state="joint_interview")
    assert body["medical"]["samples"][0]["transfers"][0]["to_agency"] == "物证鉴定所"
    handed_to("interviewer", "interviewer", "joint_interview")
    assert _task_for(api, "examiner", cid, "forensic_exam") is None

    body = step("interviewer", "complete_interview", {
        "started_at": (NOW - dt.timedelta(hours=1)).isoformat(), "ended_at": NOW.isoformat(),
        "av_reference": "AV-1", "attendees": [
            {"name": users["interviewer"].full_name, "role": "interviewer"},
            {"name": users["psychologist"].full_name, "role": "psychologist"},
            {"name": "张丽", "role": "guardian"}]}, state="psych_intervention")
    assert body["interview_count"] == 1 and len(body["interviews"][0]["attendees"]) == 3
    handed_to("psychologist", "psychologist", "psych_intervention")

    step("psychologist", "record_assessment", {"occurred_on": TODAY, "risk_level": "medium", "summary": "中度焦虑",
                                               "private_notes": "噩梦", "scales": {"CDI": 18, "SCARED": 31.5}},
         state="psych_intervention")
    step("psychologist", "record_plan", {"occurred_on": TODAY, "plan_kind": "sessions", "sessions_planned": 6,
                                         "summary": "六次游戏治疗"}, state="psych_intervention")
    body = step("psychologist", "complete_intervention", state="aid_review")
    assert body["psych"][0]["scales"] == {"CDI": 18.0, "SCARED": 31.5}
    handed_to("case_prosecutor", "case_prosecutor", "aid_review")

    step("case_prosecutor", "decline_aid", {"reason": "已获民事赔偿"}, state="follow_up")
    handed_to("social_worker", "social_worker", "follow_up")
    visits = api.case(cid, "social_worker")["visits"]
    assert [v["status"] for v in visits] == ["scheduled"] * 3
    refused = api.fire(cid, "request_closure", "social_worker")
    assert api.error(refused, 422, "guard_failed")["message"]
    for visit in visits:
        step("social_worker", "record_visit", {"visit_id": visit["id"], "done_on": TODAY, "mode": "home",
                                               "attendees": "社工、母亲", "wellbeing": "稳定", "satisfaction": 5},
             state="follow_up")
    step("social_worker", "request_closure", state="closure_review")
    handed_to("supervisor", "supervisor", "closure_review")

    body = step("supervisor", "approve_closure", state="closed")
    assert all(t["closed_at"] for t in body["tasks"])
    assert not any(t["case_id"] == cid for t in api.tasks("supervisor"))
    assert {t["state"] for t in body["tasks"]} == {
        "referred", "registered", "forensic_exam", "joint_interview", "psych_intervention", "aid_review",
        "follow_up", "closure_review"}
    summary = api.get("/cases?state=closed", "supervisor").get_json()["cases"]
    assert [c["id"] for c in summary] == [cid]
