"""Bad input to aid actions through the API: each is a clear 4xx `{error, message[, fields]}` and
nothing is stored (same version, same data, same ledger)."""
from __future__ import annotations

import datetime as dt

from aid_helpers import APPROVE, REFUSAL, apply_data, assert_error, payment, proposal, today

from workflow.aid import definition


def _proposal_fields(body: dict) -> tuple:
    p = body["proposal"]
    return body["state"], body["version"], p["total_fen"], p["county_fen"], p["required_level"], p["proposed_by"]


def test_amounts_must_be_positive_whole_fen(api, flagged):
    _case, application = flagged
    aid_id = application["id"]
    for bad in (-100, 0, 12.5, "12.5", "abc", "1e3", " ", True, [100], {"fen": 100}):
        error = api.refused(aid_id, "apply", "aid_officer", 422, "invalid", apply_data(requested_fen=bad))
        assert set(error["fields"]) == {"requested_fen"}, (bad, error)
    body = api.aid(aid_id, "aid_officer")
    assert (body["state"], body["version"], body["requested_fen"], body["applicant"]["name"]) == (
        "flagged", 1, None, None)
    body = api.ok_aid(aid_id, "apply", "aid_officer", apply_data(requested_fen=3_000_000))
    assert (body["state"], body["requested_fen"]) == ("applied", 3_000_000)


def test_a_suspect_cannot_apply_for_the_child(api, flagged):
    _case, application = flagged
    error = api.refused(application["id"], "apply", "aid_officer", 422, "invalid", apply_data(applicant_name="赵某"))
    assert set(error["fields"]) == {"applicant_name"}


def test_contributions_and_instalments_must_add_up_to_the_total(api, flagged):
    _case, application = flagged
    aid_id = application["id"]
    api.to_investigating(aid_id)
    before = _proposal_fields(api.aid(aid_id, "aid_officer"))
    assert before == ("investigating", 5, None, None, None, None)

    error = api.refused(aid_id, "propose", "aid_officer", 422, "invalid",
                        proposal(4_500_000, county=1_500_000, city=1_500_000, province=1_000_000))
    assert set(error["fields"]) == {"county_fen", "city_fen", "province_fen"}
    error = api.refused(aid_id, "propose", "aid_officer", 422, "invalid",
                        proposal(2_500_000, instalments=[1_500_000, 900_000]))
    assert set(error["fields"]) == {"instalments"}
    error = api.refused(aid_id, "propose", "aid_officer", 422, "invalid", proposal(2_500_000, county=-1))
    assert "county_fen" in error["fields"]
    assert _proposal_fields(api.aid(aid_id, "aid_officer")) == before


def test_the_proposer_may_not_approve_their_own_proposal(api, flagged):
    _case, application = flagged
    aid_id = application["id"]
    api.to_investigating(aid_id)
    # An officer who is also a (deputy chief) approver writes the proposal ...
    api.ok_aid(aid_id, "propose", "aid_approver_officer", proposal(2_500_000))
    action = next(a for a in api.aid(aid_id, "aid_approver_officer")["actions"] if a["trigger"] == "approve")
    assert (action["allowed"], action["status"], action["code"]) == (False, 403, "not_permitted")
    # ... and can neither approve nor reject it; a colleague decides.
    api.refused(aid_id, "approve", "aid_approver_officer", 403, "not_permitted", APPROVE)
    api.refused(aid_id, "reject", "aid_approver_officer", 403, "not_permitted", REFUSAL)
    assert api.aid(aid_id, "aid_officer")["decision"]["decided_by"] is None
    body = api.ok_aid(aid_id, "approve", "aid_approver", APPROVE)
    assert body["state"] == "approved" and body["decision"]["decided_by"]["username"] == "aid_approver"
    assert body["proposal"]["proposed_by"]["username"] == "aid_approver_officer"


def test_payments_beyond_the_approved_amount_or_dated_ahead_are_refused(api, flagged):
    _case, application = flagged
    aid_id = application["id"]
    api.to_investigating(aid_id)
    api.ok_aid(aid_id, "propose", "aid_officer", proposal(2_500_000))
    api.ok_aid(aid_id, "approve", "aid_approver", APPROVE)

    error = api.refused(aid_id, "record_payment", "finance_officer", 422, "invalid", payment(2_500_001))
    assert set(error["fields"]) == {"amount_fen"}
    ahead = (today() + dt.timedelta(days=2)).isoformat()
    error = api.refused(aid_id, "record_payment", "finance_officer", 422, "invalid", payment(100, on_date=ahead))
    assert set(error["fields"]) == {"on_date"}
    error = api.refused(aid_id, "record_payment", "finance_officer", 422, "invalid",
                        {**payment(100), "method": "crypto", "reference": ""})
    assert set(error["fields"]) == {"method", "reference"}
    body = api.aid(aid_id, "finance_officer")
    assert (body["state"], body["version"], body["paid_fen"], body["ledger"]) == ("approved", 7, 0, [])


def test_malformed_requests(api, flagged):
    _case, application = flagged
    aid_id = application["id"]
    # unknown fields and objects where a value belongs
    error = api.refused(aid_id, "apply", "aid_officer", 422, "invalid",
                        {**apply_data(), "approved_fen": 99_000_000, "applicant_phone": {"x": 1}})
    assert set(error["fields"]) == {"approved_fen", "applicant_phone"}
    # a stale or missing version
    api.refused(aid_id, "apply", "aid_officer", 409, "stale_version", apply_data(), version=0)
    error = api.refused(aid_id, "apply", "aid_officer", 422, "invalid", apply_data(), version="1")
    assert set(error["fields"]) == {"version"}
    response = api.post(f"/aid/{aid_id}/actions/apply", "aid_officer", json={"data": apply_data()})
    assert set(assert_error(response, 422, "invalid")["fields"]) == {"version"}
    response = api.post(f"/aid/{aid_id}/actions/apply", "aid_officer", data="[]", content_type="application/json")
    assert_error(response, 400, "bad_request")
    # unknown triggers, automatic ones, case triggers and unknown applications
    api.refused(aid_id, "pay_everything", "aid_officer", 404, "unknown_trigger", {})
    for trigger in (t.trigger for t in definition.AID.transitions if t.automatic):
        api.refused(aid_id, trigger, "finance_officer", 403, "forbidden", {})
    api.refused(aid_id, "register", "aid_officer", 404, "unknown_trigger", {})
    assert_error(api.get("/aid/999999", "aid_officer"), 404, "not_found")
    assert_error(api.post("/aid/999999/actions/apply", "aid_officer", json={"version": 1}), 404, "not_found")
    assert api.aid(aid_id, "aid_officer")["state"] == "flagged"
