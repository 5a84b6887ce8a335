"""GET /workflow and the OpenAPI document are generated from the process definition."""
from __future__ import annotations

import json

from workflow.cases import definition as cases_definition
from workflow.cases import states as cases_states


def test_workflow_lists_every_state_and_trigger(api):
    response = api.get("/workflow", "examiner")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["version"] == cases_definition.VERSION and doc["initial"] == cases_states.INITIAL
    assert [s["name"] for s in doc["states"]] == list(cases_states.STATE_NAMES)
    assert {s["name"] for s in doc["states"] if s["terminal"]} == {"closed", "withdrawn"}
    assert all(s["label"] for s in doc["states"])
    assert [t["trigger"] for t in doc["transitions"]] == [t.trigger for t in cases_definition.TRANSITIONS]
    by_trigger = {t["trigger"]: t for t in doc["transitions"]}
    for transition in cases_definition.TRANSITIONS:
        row = by_trigger[transition.trigger]
        assert row["sources"] == list(transition.sources) and row["dest"] == transition.dest
        assert row["roles"] == list(transition.roles)
        assert row["internal"] is transition.internal and row["automatic"] is transition.automatic
        assert "version" not in row["fields"] and "csrf_token" not in row["fields"]
    assert by_trigger["record_visit"]["fields"] == ["visit_id", "done_on", "mode", "attendees", "wellbeing",
                                                     "school_attendance", "needs", "satisfaction", "aid_use",
                                                     "referrals"]
    assert by_trigger["register"]["fields"] == []
    assert by_trigger["conclude_aid"]["automatic"] is True
    assert doc["create"]["trigger"] == "create" and "child_name" in doc["create"]["fields"]
    assert "contacts" in doc["create"]["fields"]


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_openapi_document(client, users):
    response = client.get("/api/v1/openapi.json")  # public: it holds no case data
    assert response.status_code == 200 and response.is_json
    doc = json.loads(response.get_data(as_text=True))
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert {"Error", "Case", "Action", "Task", "Workflow"} <= set(doc["components"]["schemas"])
    paths = doc["paths"]
    assert {("/tokens", "post"), ("/workflow", "get"), ("/cases", "get"), ("/cases", "post"),
            ("/cases/{case_id}", "get"), ("/cases/{case_id}/actions/{trigger}", "post"), ("/tasks", "get"),
            ("/openapi.json", "get"), ("/audit/records", "get")} <= {(p, m) for p, ops in paths.items() for m in ops}
    action = paths["/cases/{case_id}/actions/{trigger}"]["post"]
    trigger = next(p for p in action["parameters"] if p["name"] == "trigger")
    assert trigger["schema"]["enum"] == [t.trigger for t in cases_definition.TRANSITIONS]
    assert {"401", "403", "404", "409", "422"} <= set(action["responses"])
    for path, ops in paths.items():
        for method, op in ops.items():
            assert op["operationId"] and op["responses"], (path, method)
            for status, resp in op["responses"].items():
                if status[0] in "45":
                    assert resp["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    # every $ref resolves
    schemas = doc["components"]["schemas"]
    for ref in set(_refs(doc)):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    # the per-trigger data schemas come from the forms
    visit = schemas["ActionData_record_visit"]
    assert visit["properties"]["satisfaction"] == {**visit["properties"]["satisfaction"], "type": "integer",
                                                   "minimum": 1, "maximum": 5}
    assert {"visit_id", "done_on", "mode", "satisfaction"} <= set(visit["required"])
    assert visit["properties"]["mode"]["enum"] == ["home", "school", "phone"]
    interview = schemas["ActionData_complete_interview"]["properties"]["attendees"]
    assert "suspect" not in interview["items"]["properties"]["role"]["enum"]
    assert set(schemas["CaseCreate"]["properties"]) >= {"child_name", "contacts", "suspects"}
    assert schemas["Case"]["properties"]["state"]["enum"] == list(cases_states.STATE_NAMES)


def test_openapi_matches_what_the_api_returns(api, make_case):
    """A light contract check without extra dependencies: required keys of Case, Action, Task."""
    doc = api.client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    case = make_case("registered")
    body = api.case(case.id, "examiner")
    assert set(doc["Case"]["required"]) <= set(body)
    assert set(body) <= set(doc["Case"]["properties"])
    for action in body["actions"]:
        assert set(doc["Action"]["required"]) <= set(action) <= set(doc["Action"]["properties"])
    for task in api.tasks("examiner"):
        assert set(doc["Task"]["required"]) <= set(task) <= set(doc["Task"]["properties"])
    workflow = api.get("/workflow", "examiner").get_json()
    assert set(doc["Workflow"]["required"]) <= set(workflow)
    for transition in workflow["transitions"]:
        assert set(transition) <= set(doc["Transition"]["properties"])
