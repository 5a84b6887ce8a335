"""Bugs found while writing the aid tests, each replayed through the API (fixed in
workflow/aid/stages.py and workflow/aid/definition.py)."""
from __future__ import annotations

import datetime as dt

import pytest
from aid_helpers import APPROVE, EMERGENCY, open_tasks, payment, proposal
from flask_babel import get_babel, refresh, to_user_timezone

from workflow.admin.models import Agency
from workflow.admin.users import create_user
from workflow.core.extensions import db
from workflow.core.models import utcnow

REPORT = {"finances_confirmed": "yes", "report": "经核实，家庭收入情况属实。"}


def _entrust(api, aid_id: int, agency_id: int) -> dict:
    return api.ok_aid(aid_id, "entrust_verification", "aid_officer",
                      {"request": "请核实申请人家庭收入。", "agency_id": agency_id})


def test_only_the_agency_of_the_pending_verification_reports_it(api, flagged, users):
    """An agency that verified earlier stays a verifier of the application, but must not answer the
    request entrusted later to another agency."""
    third = Agency(name="第三市检察院", kind="procuratorate", region="第三市")
    db.session.add(third)
    db.session.commit()
    create_user(username="third_aid_officer", password="password-123", full_name="第三市 救助专员", sex="F",
                roles=["aid_officer"], agency=third)
    _case, application = flagged
    aid_id = application["id"]
    api.to_investigating(aid_id)
    _entrust(api, aid_id, users["remote_aid_officer"].agency_id)
    api.ok_aid(aid_id, "report_verification", "remote_aid_officer", REPORT)
    _entrust(api, aid_id, third.id)

    action = next(a for a in api.aid(aid_id, "remote_aid_officer")["actions"] if a["trigger"] == "report_verification")
    assert (action["allowed"], action["status"], action["code"]) == (False, 403, "not_permitted")
    error = api.refused(aid_id, "report_verification", "remote_aid_officer", 403, "not_permitted",
                        {"finances_confirmed": "no", "report": "（越权答复）"})
    assert third.name in error["message"]
    assert [v["report"] for v in api.aid(aid_id, "aid_officer")["verifications"]] == [REPORT["report"], None]

    body = api.ok_aid(aid_id, "report_verification", "third_aid_officer", REPORT)
    assert [v["agency"]["id"] for v in body["verifications"]] == [third.id]  # its own only
    assert [v["report"] for v in api.aid(aid_id, "aid_officer")["verifications"]] == [REPORT["report"]] * 2


def test_withdrawing_closes_the_entrusted_agencys_task(api, flagged, users):
    _case, application = flagged
    aid_id = application["id"]
    api.to_investigating(aid_id)
    _entrust(api, aid_id, users["remote_aid_officer"].agency_id)
    assert [t["aid_application_id"] for t in api.tasks("remote_aid_officer")] == [aid_id]

    body = api.ok_aid(aid_id, "withdraw_application", "case_prosecutor", {"reason": "监护人撤回申请。"})
    assert body["state"] == "withdrawn" and open_tasks(body) == {}
    assert api.tasks("remote_aid_officer") == []  # nothing can be reported any more
    api.refused(aid_id, "report_verification", "remote_aid_officer", 409, "wrong_state", REPORT)


def test_emergency_aid_after_a_returned_proposal_still_owes_the_review_report(api, flagged):
    _case, application = flagged
    aid_id = application["id"]
    api.to_investigating(aid_id)
    api.ok_aid(aid_id, "propose", "aid_officer", proposal(2_500_000))
    api.ok_aid(aid_id, "return_proposal", "aid_approver", {"reason": "请补充医疗费用票据。"})

    body = api.ok_aid(aid_id, "emergency_approve", "aid_deputy", EMERGENCY)
    assert body["emergency"] is True and body["proposal"]["proposed_at"] is None
    assert ("emergency_approve", "aid_officer") in open_tasks(body)
    assert api.allowed(api.aid(aid_id, "aid_officer"))["record_emergency_proposal"] is True
    body = api.ok_aid(aid_id, "record_emergency_proposal", "aid_officer", proposal(1_000_000))
    assert ("emergency_approve", "aid_officer") not in open_tasks(body)
    assert body["proposal"]["total_fen"] == 1_000_000 and body["approved_fen"] == 1_000_000


def test_payment_dates_are_checked_in_the_centres_time_zone(api, app, flagged):
    """The server clock is UTC; a payment made today where the centre is (Beijing is 8 hours ahead)
    is not 'in the future'."""
    _case, application = flagged
    aid_id = application["id"]
    api.to_investigating(aid_id)
    api.ok_aid(aid_id, "propose", "aid_officer", proposal(2_500_000))
    api.ok_aid(aid_id, "approve", "aid_approver", APPROVE)
    # A zone whose date differs from UTC's right now, so the check cannot pass by chance.
    get_babel(app).default_timezone = "Etc/GMT-14" if utcnow().hour >= 10 else "Etc/GMT+12"
    refresh()
    local_today = to_user_timezone(utcnow()).date()
    assert local_today != utcnow().date()

    tomorrow = (local_today + dt.timedelta(days=1)).isoformat()
    error = api.refused(aid_id, "record_payment", "finance_officer", 422, "invalid", payment(100, on_date=tomorrow))
    assert set(error["fields"]) == {"on_date"}
    body = api.ok_aid(aid_id, "record_payment", "finance_officer",
                      payment(100, on_date=local_today.isoformat()))
    assert body["ledger"][0]["on_date"] == local_today.isoformat()


def test_an_instalment_row_without_its_date_is_an_error_not_dropped(make_case, users):
    from workflow import demo
    from workflow.core.errors import Invalid

    case = make_case("aid_review")
    demo.fire(users["case_prosecutor"], case, "flag_aid", demo.FLAG_DATA)
    application = case.aid_applications[-1]
    actors = {"aid_officer": users["aid_officer"], "aid_approver": users["aid_approver"],
              "finance_officer": users["finance_officer"]}
    demo.drive_aid(application, "investigating", actors)
    demo.fire(users["aid_officer"], application, *demo.aid_steps(application)[1:])  # the finances
    version = application.version
    with pytest.raises(Invalid) as info:
        demo.fire(users["aid_officer"], application, "propose", {
            **demo.PROPOSAL, "instalments": [{"amount_fen": 2_500_000}]})
    assert "instalments-0-due_on" in info.value.fields
    assert (application.state, application.version, application.proposed_fen) == ("investigating", version, None)
