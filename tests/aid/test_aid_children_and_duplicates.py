"""One application per child: two children of one incident are aided separately; a second
application for the same child is refused while the first is live, and allowed once it ended without
aid."""
from __future__ import annotations

from aid_helpers import APPROVE, FLAG, assert_error, case_events, payment, proposal

from workflow.cases.models import Case
from workflow.core.extensions import db
from workflow.demo import drive


def _sibling_case(api, users, first: Case) -> Case:
    """The prosecutor refers the second child of the same incident (naming the centre, as she works
    at the procuratorate); the supervisor staffs the intake, then the case runs to aid review."""
    response = api.post("/cases", "case_prosecutor", json={
        "referral_source": "police", "referral_detail": "同案第二名被害儿童，公安移送。", "child_name": "李小二",
        "child_sex": "M", "child_birth_date": "2018-02-03", "offence_type": "indecency",
        "incident_number": first.incident.number, "centre_id": first.centre_id,
        "contacts": [{"kind": "guardian", "name": "张丽", "relation": "母亲", "phone": "13800138000"}],
        "suspects": []})
    assert response.status_code == 201, response.get_json()
    second = response.get_json()
    assert second["incident"]["number"] == first.incident.number
    api.ok(second["id"], "assign_member", "supervisor",
           {"role": "intake_officer", "user_id": users["intake_officer"].id})
    return drive(db.session.get(Case, second["id"]), "aid_review", users)


def _to_approved(api, aid_id: int, total: int) -> dict:
    api.to_investigating(aid_id)
    api.ok_aid(aid_id, "propose", "aid_officer", proposal(total))
    return api.ok_aid(aid_id, "approve", "aid_approver", APPROVE)


def test_two_children_of_one_incident_are_aided_separately(api, make_case, users):
    first = make_case("aid_review")
    second = _sibling_case(api, users, first)
    assert second.incident_id == first.incident_id and second.id != first.id

    one, two = api.open_application(first.id), api.open_application(second.id)
    assert one["id"] != two["id"] and one["number"] != two["number"]
    assert (one["case"]["id"], two["case"]["id"]) == (first.id, second.id)
    assert one["case"]["incident_number"] == two["case"]["incident_number"] == first.incident.number

    _to_approved(api, one["id"], 2_500_000)
    _to_approved(api, two["id"], 2_000_000)
    body = api.ok_aid(one["id"], "record_payment", "finance_officer", payment(2_500_000, "ZF-A"))
    assert (body["state"], body["paid_fen"]) == ("disbursed", 2_500_000)
    # Paying the first child's aid moves only the first case on.
    assert api.case(first.id, "case_prosecutor")["state"] == "follow_up"
    assert api.case(second.id, "case_prosecutor")["state"] == "aid_review"
    other = api.aid(two["id"], "finance_officer")
    assert (other["state"], other["paid_fen"], other["ledger"]) == ("approved", 0, [])

    body = api.ok_aid(two["id"], "record_payment", "finance_officer", payment(2_000_000, "ZF-B"))
    assert (body["state"], body["paid_fen"]) == ("disbursed", 2_000_000)
    assert api.case(second.id, "case_prosecutor")["state"] == "follow_up"
    assert api.aid(one["id"], "finance_officer")["paid_fen"] == 2_500_000  # the first ledger is untouched

    # Each child has had its aid: a second application for either is refused.
    for case in (first, second):
        before = api.case(case.id, "case_prosecutor")
        body = assert_error(api.flag(case.id), 422, "guard_failed")
        assert before["aid_applications"][0]["number"] in body["message"]
        after = api.case(case.id, "case_prosecutor")
        assert (after["version"], len(after["aid_applications"])) == (before["version"], 1)


def test_a_second_application_is_refused_while_one_is_live(api, flagged):
    case, application = flagged
    before = api.case(case.id, "case_prosecutor")
    actions = {a["trigger"]: a for a in before["actions"]}
    assert (actions["flag_aid"]["allowed"], actions["flag_aid"]["code"]) == (False, "guard_failed")

    body = assert_error(api.flag(case.id), 422, "guard_failed")
    assert application["number"] in body["message"]
    after = api.case(case.id, "case_prosecutor")
    assert after["version"] == before["version"]
    assert [a["id"] for a in after["aid_applications"]] == [application["id"]]
    assert case_events(case.id).count("flag_aid") == 1

    # Once the application is withdrawn (ended without aid), the child may apply again.
    body = api.ok_aid(application["id"], "withdraw_application", "case_prosecutor", {"reason": "监护人暂缓申请。"})
    assert body["state"] == "withdrawn"
    assert api.case(case.id, "case_prosecutor")["state"] == "follow_up"  # the aid review concluded
    response = api.flag(case.id, data={**FLAG, "note": "监护人重新申请。"})
    assert response.status_code == 201, response.get_json()
    again = response.get_json()
    assert again["id"] != application["id"] and again["state"] == "flagged" and again["version"] == 1
    assert [a["state"] for a in api.case(case.id, "case_prosecutor")["aid_applications"]] == ["withdrawn", "flagged"]


def test_only_the_case_prosecutor_of_the_case_flags_it(api, make_case):
    case = make_case("aid_review")
    assert_error(api.flag(case.id, as_="social_worker"), 403, "forbidden")
    assert_error(api.flag(case.id, as_="aid_officer", version=case.version), 404, "not_found")  # not on the team
    assert "aid_applications" not in api.case(case.id, "social_worker")  # the aid compartment
    assert api.case(case.id, "case_prosecutor")["aid_applications"] == []
