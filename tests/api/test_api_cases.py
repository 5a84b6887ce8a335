"""What the case JSON shows to whom; listing and creating cases; the task inbox."""
from __future__ import annotations

import pytest

from workflow.cases import definition
from workflow.demo import new_case

REFERRAL = {
    "referral_source": "police", "child_name": "王乐乐", "child_sex": "M", "child_birth_date": "2015-03-01",
    "offence_type": "abuse",
    "contacts": [{"kind": "guardian", "name": "钱某", "relation": "继父", "phone": "13900000000", "is_suspect": True},
                 {"kind": "guardian", "name": "孙梅", "relation": "母亲", "phone": "13800000000", "is_suspect": False}],
    "suspects": [{"name": "钱某", "relation_to_victims": "继父"}],
}


def test_create_case_via_api(api, users):
    # The prosecutor works at the procuratorate: she names the centre that takes the case.
    response = api.post("/cases", "case_prosecutor", json={**REFERRAL,
                                                            "centre_id": users["intake_officer"].agency_id})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["state"] == "referred" and case["definition_version"] == definition.VERSION
    assert case["child"] == {"name": "王乐乐", "sex": "M", "birth_date": "2015-03-01", "age": case["child"]["age"]}
    assert [m["role"] for m in case["team"]] == ["case_prosecutor"]
    assert case["referral"]["source"] == "police" and case["incident"]["offence_type"] == "abuse"
    hidden, mother = case["contacts"]
    assert hidden["hidden"] is True and "name" not in hidden and "phone" not in hidden
    assert mother["hidden"] is False and mother["name"] == "孙梅" and mother["phone"] == "13800000000"
    # the prosecutor created it, so it is on their list
    listed = api.get("/cases", "case_prosecutor").get_json()
    assert [c["number"] for c in listed["cases"]] == [case["number"]] and listed["total"] == 1


def test_create_case_validation(api):
    bad = {**REFERRAL, "child_name": "", "child_birth_date": "2015-13-45", "referral_source": "rumour",
           "suspects": {"name": "x"}, "favourite_colour": "blue"}
    body = api.error(api.post("/cases", "intake_officer", json=bad), 422, "invalid")
    assert {"child_name", "child_birth_date", "referral_source", "suspects", "favourite_colour"} <= set(body["fields"])
    body = api.error(api.post("/cases", "intake_officer", json={}), 422, "invalid")
    assert {"child_name", "child_sex", "child_birth_date", "referral_source", "offence_type"} <= set(body["fields"])
    body = api.error(api.post("/cases", "intake_officer", json={**REFERRAL, "contacts": [{"kind": "uncle", "name": "x"}]}),
                     422)
    assert "contacts" in body["fields"] or "contacts-0-kind" in body["fields"]
    assert api.get("/cases", "supervisor").get_json()["total"] == 0


def test_only_intake_and_prosecutors_create(api):
    api.error(api.post("/cases", "examiner", json=REFERRAL), 403, "forbidden")
    api.error(api.post("/cases", "intake_officer", data="x", content_type="application/json"), 400, "bad_request")


def test_guardian_who_is_a_suspect_is_never_shown(api, make_case):
    case = make_case("registered", contacts=REFERRAL["contacts"])
    for role in ("intake_officer", "examiner", "case_prosecutor", "supervisor"):
        text = api.get(f"/cases/{case.id}", role).get_data(as_text=True)
        body = api.case(case.id, role)
        assert "13900000000" not in text
        assert [c.get("name") for c in body["contacts"]] == [None, "孙梅"]
        assert body["contacts"][0]["hidden"] is True


def test_private_psych_notes_only_for_the_psychologist(api, make_case):
    case = make_case("aid_review")
    notes = "儿童提到夜间噩梦，反复出现。"  # the private notes the demo assessment records
    mine = api.case(case.id, "psychologist")
    assessment = next(r for r in mine["psych"] if r["kind"] == "assessment")
    assert assessment["private_notes"] == notes and assessment["scales"]
    for role in ("case_prosecutor", "interviewer", "examiner", "supervisor"):
        response = api.get(f"/cases/{case.id}", role)
        assert response.status_code == 200
        assert notes not in response.get_data(as_text=True), role
        shared = next(r for r in response.get_json()["psych"] if r["kind"] == "assessment")
        assert shared["summary"] and "private_notes" not in shared and "scales" not in shared
        assert "psych" in response.get_json()["restricted"]


def test_compartments_follow_the_definition(api, make_case):
    case = make_case("follow_up")
    for role in ("examiner", "interviewer", "psychologist", "case_prosecutor", "social_worker", "supervisor"):
        body = api.case(case.id, role)
        for compartment, key in (("medical", "medical"), ("interview", "interviews"),
                                 ("aid", "aid_applications"), ("referrals", "referrals"), ("visits", "visits")):
            readable = role in definition.COMPARTMENTS[compartment]
            assert (key in body) is readable, (role, compartment)
            assert (compartment in body["restricted"]) is not readable
    assert api.case(case.id, "examiner")["medical"]["samples"][0]["transfers"]


def test_strangers_get_404(api, make_case, users):
    case = make_case("registered")
    # same centre, same role as a team member, but not on this team; another centre's supervisor; no case role
    for username in ("examiner_m", "other_supervisor", "other_examiner", "auditor", "admin"):
        api.error(api.get(f"/cases/{case.id}", username), 404, "not_found")
        api.error(api.fire(case.id, "start_exam", username, version=case.version), 404, "not_found")
        assert api.get(f"/cases/{case.id}/nope", username).status_code == 404
    body = api.case(case.id, "examiner")
    api.error(api.post(f"/cases/{case.id}/actions/teleport", "examiner_m", json={"version": 1}), 404, "not_found")
    assert body["state"] == "registered" and body["version"] == case.version
    assert api.get("/cases", "examiner_m").get_json()["cases"] == []
    assert api.get("/cases", "other_supervisor").get_json()["cases"] == []


def test_nonexistent_case_is_404(api, users):
    api.error(api.get("/cases/999999", "supervisor"), 404, "not_found")
    api.error(api.post("/cases/999999/actions/register", "intake_officer", json={"version": 1}), 404, "not_found")


def test_other_cases_of_the_incident_only_when_visible(api, make_case, users):
    first = make_case("registered")
    second = new_case(users["case_prosecutor"], child_name="李小二", incident_number=first.incident.number,
                      suspects=[], centre_id=first.centre_id)
    assert second.incident_id == first.incident_id
    # the prosecutor is on both teams; the examiner and the intake officer only on the first
    assert [c["number"] for c in api.case(first.id, "case_prosecutor")["incident"]["other_cases"]] == [second.number]
    assert api.case(first.id, "intake_officer")["incident"]["other_cases"] == []
    assert api.case(first.id, "examiner")["incident"]["other_cases"] == []
    assert [c["number"] for c in api.case(second.id, "supervisor")["incident"]["other_cases"]] == [first.number]


def test_list_cases_filters_and_pages(api, make_case, users):
    a = make_case("registered", child_name="甲")
    b = make_case("referred", child_name="乙")
    c = make_case("referred", child_name="丙")
    assert [x["id"] for x in api.get("/cases", "supervisor").get_json()["cases"]] == [c.id, b.id, a.id]
    assert [x["id"] for x in api.get("/cases?state=referred", "supervisor").get_json()["cases"]] == [c.id, b.id]
    assert [x["id"] for x in api.get("/cases?q=甲", "supervisor").get_json()["cases"]] == [a.id]
    assert [x["id"] for x in api.get(f"/cases?q={b.number}", "intake_officer").get_json()["cases"]] == [b.id]
    page = api.get("/cases?per_page=2&page=2", "supervisor").get_json()
    assert [x["id"] for x in page["cases"]] == [a.id] and page["total"] == 3 and page["pages"] == 2
    summary = page["cases"][0]
    assert set(summary) >= {"id", "number", "state", "state_label", "version", "child_name"}
    assert "contacts" not in summary and "actions" not in summary
    # the examiner is only on the registered case's team
    assert [x["id"] for x in api.get("/cases", "examiner").get_json()["cases"]] == [a.id]
    api.error(api.get("/cases?state=limbo", "supervisor"), 400, "bad_request")
    api.error(api.get("/cases?page=x", "supervisor"), 400, "bad_request")
    api.error(api.get("/cases", "auditor"), 403, "forbidden")


def test_actions_list_every_trigger_of_the_callers_roles(api, make_case):
    case = make_case("registered")
    actions = {a["trigger"]: a for a in api.case(case.id, "supervisor")["actions"]}
    supervisor_triggers = {t.trigger for t in definition.TRANSITIONS if "supervisor" in t.roles}
    assert set(actions) == supervisor_triggers
    assert actions["withdraw"]["allowed"] is True
    assert actions["approve_closure"] == {**actions["approve_closure"], "allowed": False, "status": 409}
    assert actions["resume"]["status"] == 422 and actions["resume"]["code"] == "guard_failed"


@pytest.mark.parametrize("scope", ["mine", "team", "overdue", "centre"])
def test_task_scopes(api, make_case, scope):
    case = make_case("registered")
    expected = {
        "mine": {"examiner": [("registered", "examiner")], "psychologist": []},
        "team": {"examiner": [], "psychologist": [("registered", "examiner")]},
        "overdue": {"examiner": [], "psychologist": []},
    }
    if scope == "centre":
        assert [(t["case_id"], t["role"]) for t in api.tasks("supervisor", scope)] == [(case.id, "examiner")]
        api.error(api.get("/tasks?scope=centre", "examiner"), 403, "forbidden")
        return
    for username, tasks in expected[scope].items():
        got = api.tasks(username, scope)
        assert [(t["state"], t["role"]) for t in got] == tasks
        for task in got:
            assert set(task) >= {"id", "case_id", "case_number", "state", "role", "title", "assignee", "due_at",
                                 "overdue"}


def test_overdue_tasks(api, make_case):
    import datetime as dt

    from workflow.core.extensions import db
    from workflow.core.models import Task

    case = make_case("registered")
    task = db.session.query(Task).filter_by(case_id=case.id, closed_at=None).one()
    task.due_at = dt.datetime(2020, 1, 1)
    db.session.commit()
    got = api.tasks("examiner", "overdue")
    assert [(t["id"], t["overdue"]) for t in got] == [(task.id, True)]
    assert got[0]["due_at"] == "2020-01-01T00:00:00Z"


def test_unknown_task_scope_is_400(api, users):
    api.error(api.get("/tasks?scope=everything", "examiner"), 400, "bad_request")
