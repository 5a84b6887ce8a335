"""Refusals of POST /cases/{id}/actions/{trigger}: each with its status, code and message, and
nothing changed."""
from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.date.today().isoformat()


def _visit_data(visit_id, **overrides):
    data = {"visit_id": visit_id, "done_on": TODAY, "mode": "home", "attendees": "社工、母亲",
            "wellbeing": "稳定", "satisfaction": 4}
    data.update(overrides)
    return data


def test_wrong_role_is_403_with_reason(api, make_case):
    case = make_case("registered")
    body = api.error(api.fire(case.id, "start_exam", "psychologist"), 403, "forbidden")
    assert "Examiner" in body["message"] or "检" in body["message"]
    after = api.case(case.id, "psychologist")
    assert after["state"] == "registered" and after["version"] == case.version
    action = next(a for a in api.case(case.id, "examiner")["actions"] if a["trigger"] == "start_exam")
    assert action["allowed"] is True and "reason" not in action


def test_wrong_state_is_409(api, make_case):
    case = make_case("registered")
    body = api.error(api.fire(case.id, "register", "intake_officer"), 409, "wrong_state")
    assert body["message"]
    action = next(a for a in api.case(case.id, "intake_officer")["actions"] if a["trigger"] == "register")
    assert action == {**action, "allowed": False, "status": 409, "code": "wrong_state"} and action["reason"]


def test_stale_version_is_409_and_changes_nothing(api, make_case):
    case = make_case("forensic_exam")
    before = api.case(case.id, "examiner")
    assert before["medical"]["findings"] == ""
    response = api.fire(case.id, "record_exam", "examiner", {"findings": "new findings"},
                        version=before["version"] - 1)
    body = api.error(response, 409, "stale_version")
    assert str(before["version"]) in body["message"]
    after = api.case(case.id, "examiner")
    assert after["version"] == before["version"] and after["medical"]["findings"] == ""
    # A stale version also wins over a wrong state: the caller learns the case moved on.
    api.error(api.fire(case.id, "start_exam", "examiner", version=before["version"] - 1), 409, "stale_version")


def test_unmet_guard_is_422_with_its_message(api, make_case):
    case = make_case("forensic_exam")
    body = api.error(api.fire(case.id, "complete_exam", "examiner"), 422, "guard_failed")
    assert "findings" in body["message"] or "检查" in body["message"]
    assert body["fields"] == {}
    action = next(a for a in api.case(case.id, "examiner")["actions"] if a["trigger"] == "complete_exam")
    assert action["allowed"] is False and action["status"] == 422 and action["reason"] == body["message"]


def test_invalid_data_is_422_with_field_errors(api, make_case):
    case = make_case("follow_up")
    visit = api.case(case.id, "social_worker")["visits"][0]
    version = case.version
    # missing fields
    body = api.error(api.fire(case.id, "record_visit", "social_worker", {"visit_id": visit["id"]}), 422, "invalid")
    assert {"done_on", "mode", "attendees", "wellbeing", "satisfaction"} <= set(body["fields"])
    # wrong types and formats
    bad = _visit_data(visit["id"], satisfaction="five", done_on="23/11/2026", mode="pigeon")
    body = api.error(api.fire(case.id, "record_visit", "social_worker", bad), 422, "invalid")
    assert {"satisfaction", "done_on", "mode"} <= set(body["fields"])
    assert all(isinstance(m, str) and m for msgs in body["fields"].values() for m in msgs)
    # out of range, unknown visit
    body = api.error(api.fire(case.id, "record_visit", "social_worker", _visit_data(visit["id"], satisfaction=9)), 422)
    assert set(body["fields"]) == {"satisfaction"}
    body = api.error(api.fire(case.id, "record_visit", "social_worker", _visit_data(987654)), 422)
    assert "visit_id" in body["fields"]
    # JSON shapes that cannot be form data: unknown field, object for a value, list of non-objects
    body = api.error(api.fire(case.id, "record_visit", "social_worker",
                              _visit_data(visit["id"], colour="blue", wellbeing={"a": 1})), 422, "invalid")
    assert {"colour", "wellbeing"} <= set(body["fields"])
    after = api.case(case.id, "social_worker")
    assert after["version"] == version and after["visits"][0]["status"] == "scheduled"
    # and the valid request goes through
    done = api.ok(case.id, "record_visit", "social_worker", _visit_data(visit["id"]))
    assert done["visits"][0]["status"] == "done" and done["visits"][0]["satisfaction"] == 4


def test_row_errors_are_named_like_form_fields(api, make_case):
    case = make_case("forensic_exam")
    body = api.error(api.fire(case.id, "record_exam", "examiner",
                              {"findings": "f", "injuries": [{"body_site": "arm", "colour": "x"}, "bruise"]}), 422)
    assert set(body["fields"]) == {"injuries-0-colour", "injuries-1"}
    body = api.error(api.fire(case.id, "record_exam", "examiner", {"findings": "f", "injuries": "arm"}), 422)
    assert set(body["fields"]) == {"injuries"}


@pytest.mark.parametrize("version", ["abc", 1.5, True, None, [3]])
def test_non_integer_version_is_422(api, make_case, version):
    case = make_case("forensic_exam")
    response = api.post(f"/cases/{case.id}/actions/record_exam", "examiner",
                        json={"version": version, "data": {"findings": "x"}})
    body = api.error(response, 422, "invalid")
    assert "version" in body["fields"]
    assert api.case(case.id, "examiner")["medical"]["findings"] == ""


def test_data_must_be_an_object(api, make_case):
    case = make_case("forensic_exam")
    response = api.post(f"/cases/{case.id}/actions/record_exam", "examiner",
                        json={"version": case.version, "data": ["findings"]})
    assert "data" in api.error(response, 422, "invalid")["fields"]


@pytest.mark.parametrize("kwargs", [
    {"data": "{not json", "content_type": "application/json"},
    {"data": '{"version": 1}', "content_type": "text/plain"},
    {"data": "version=1", "content_type": "application/x-www-form-urlencoded"},
    {"json": [1, 2]},
    {"json": "version"},
    {},
])
def test_malformed_body_is_400(api, make_case, kwargs):
    case = make_case("registered")
    response = api.client.post(f"/api/v1/cases/{case.id}/actions/start_exam", headers=api.headers("examiner"),
                               **kwargs)
    api.error(response, 400, "bad_request")
    assert api.case(case.id, "examiner")["state"] == "registered"


def test_unknown_trigger_is_404(api, make_case):
    case = make_case("registered")
    body = api.error(api.fire(case.id, "teleport", "examiner", version=case.version), 404, "unknown_trigger")
    assert "teleport" in body["message"]


def test_automatic_trigger_cannot_be_fired_by_a_user(api, make_case):
    case = make_case("aid_review")
    api.error(api.fire(case.id, "conclude_aid", "case_prosecutor"), 403, "forbidden")
    assert all(a["trigger"] != "conclude_aid" for a in api.case(case.id, "case_prosecutor")["actions"])


def test_suspended_case_refuses_with_409(api, make_case):
    case = make_case("joint_interview")
    api.ok(case.id, "suspend", "supervisor", {"reason": "住院治疗"})
    body = api.error(api.fire(case.id, "use_prior_interview", "interviewer", {
        "prior_reference": "R1", "prior_agency": "公安", "started_at": "2026-01-01T10:00", "reason": "r"}),
        409, "suspended")
    assert "住院治疗" in body["message"]
    assert api.case(case.id, "interviewer")["suspended"] is True


def test_suspect_never_attends_the_interview(api, make_case):
    case = make_case("joint_interview", contacts=[
        {"kind": "guardian", "name": "钱某", "relation": "继父", "is_suspect": True},
        {"kind": "guardian", "name": "孙梅", "relation": "母亲"}])
    base = {"started_at": "2026-11-20T09:00", "ended_at": "2026-11-20T10:00", "av_reference": "AV-9"}
    staff = [{"name": "王磊", "role": "interviewer"}, {"name": "李敏", "role": "psychologist"}]
    for suspect in ("赵某", "钱某"):  # a suspect of the incident; the guardian who is a suspect
        body = api.error(api.fire(case.id, "complete_interview", "interviewer", {
            **base, "attendees": [*staff, {"name": suspect, "role": "guardian"}]}), 422, "invalid")
        assert "attendees" in body["fields"] and suspect in body["message"]
    # "suspect" is not even an attendee role
    body = api.error(api.fire(case.id, "complete_interview", "interviewer", {
        **base, "attendees": [*staff, {"name": "孙梅", "role": "guardian"}, {"name": "x", "role": "suspect"}]}), 422)
    assert "attendees-3-role" in body["fields"]
    after = api.case(case.id, "interviewer")
    assert after["interview_count"] == 0 and after["state"] == "joint_interview"
    done = api.ok(case.id, "complete_interview", "interviewer",
                  {**base, "attendees": [*staff, {"name": "孙梅", "role": "guardian"}]})
    assert done["interview_count"] == 1 and done["state"] == "psych_intervention"
    # the single-interview rule: no second joint interview
    api.error(api.fire(case.id, "record_supplementary_interview", "interviewer",
                       {**base, "attendees": [*staff, {"name": "孙梅", "role": "guardian"}]}), 422, "guard_failed")


def test_custom_validator_messages_reach_the_fields(api, make_case):
    """Form-level validators (lazy messages) are reported per field, not just as 'invalid'."""
    case = make_case("joint_interview")
    body = api.error(api.fire(case.id, "complete_interview", "interviewer", {
        "started_at": "2026-11-20T10:00", "ended_at": "2026-11-20T09:00", "av_reference": "AV", "attendees": []}),
        422, "invalid")
    assert set(body["fields"]) == {"ended_at", "attendees"}
    assert all(body["fields"][k][0] for k in body["fields"])


def test_hostile_input_never_gives_a_500(api, make_case):
    case = make_case("psych_intervention")
    for path in ("/cases/99999999999999999999999", "/cases?page=99999999999999999999",
                 "/cases?q=a%00b", "/cases?per_page=1000"):
        response = api.get(path, "psychologist")
        assert response.status_code in (400, 404) and response.is_json, (path, response.status_code)
    nested = "[" * 100000 + "]" * 100000
    response = api.client.post(f"/api/v1/cases/{case.id}/actions/record_session", headers=api.headers("psychologist"),
                               data=nested, content_type="application/json")
    api.error(response, 400, "bad_request")
    for data in ({"occurred_on": "2026-11-20", "summary": "a\x00b"},
                 {"occurred_on": "2026-11-20", "summary": "s", "risk_level": "low", "scales": {"CDI": float("nan")}}):
        trigger = "record_assessment" if "scales" in data else "record_session"
        body = api.error(api.fire(case.id, trigger, "psychologist", data), 422, "invalid")
        assert body["fields"]
    api.error(api.client.post("/api/v1/tokens", json={"username": "a\x00", "password": "b"}), 422)
