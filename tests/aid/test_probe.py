from conftest import *  # noqa
from workflow.extensions import db
from workflow.models import Agency, Case
from workflow.services.users import create_user
from workflow.demo import fire, drive


def test_instalments_without_dates(api, flagged):
    _c, a = flagged
    api.to_investigating(a["id"])
    body = api.fire_aid(a["id"], "propose", "aid_officer", {**proposal(2_500_000), "instalments": [{"amount_fen": 1_500_000}, {"amount_fen": 1_000_000}]})
    print("no dates", body.status_code, body.get_json().get("proposal", body.get_json()))
    
def test_two_verifiers(api, flagged, users):
    third = Agency(name="第三检察院", kind="procuratorate", region="第三市")
    db.session.add(third); db.session.commit()
    create_user(username="third_officer", password="password-123", full_name="third", sex="F", roles=["aid_officer"], agency=third)
    _c, a = flagged
    aid_id = a["id"]
    api.to_investigating(aid_id)
    api.ok_aid(aid_id, "entrust_verification", "aid_officer", {"request": "x", "agency_id": users["remote_aid_officer"].agency_id})
    api.ok_aid(aid_id, "report_verification", "remote_aid_officer", {"finances_confirmed": "yes", "report": "ok"})
    api.ok_aid(aid_id, "entrust_verification", "aid_officer", {"request": "y", "agency_id": third.id})
    r = api.fire_aid(aid_id, "report_verification", "remote_aid_officer", {"finances_confirmed": "no", "report": "hijack"})
    print("remote reports third's", r.status_code, r.get_json().get("verifications"))

def test_withdraw_with_open_verification(api, flagged, users):
    _c, a = flagged
    aid_id = a["id"]
    api.to_investigating(aid_id)
    api.ok_aid(aid_id, "entrust_verification", "aid_officer", {"request": "x", "agency_id": users["remote_aid_officer"].agency_id})
    api.ok_aid(aid_id, "withdraw_application", "aid_officer", {"reason": "x"})
    print("remote tasks after withdraw", [(t["state"], t["aid_application_id"]) for t in api.tasks("remote_aid_officer")])

def test_withdraw_case_with_live_aid(api, make_case, users):
    case = make_case("registered")
    app = api.open_application(case.id)
    r = api.fire(case.id, "withdraw", "supervisor", {"reason": "误报"})
    print("case withdraw", r.status_code, r.get_json().get("state"))
    print("aid after", api.aid(app["id"], "aid_officer")["state"], api.allowed(api.aid(app["id"], "aid_officer")))

def test_emergency_after_return(api, flagged):
    _c, a = flagged
    aid_id = a["id"]
    api.to_investigating(aid_id)
    api.ok_aid(aid_id, "propose", "aid_officer", proposal(2_500_000))
    api.ok_aid(aid_id, "return_proposal", "aid_approver", {"reason": "x"})
    body = api.ok_aid(aid_id, "emergency_approve", "aid_deputy", EMERGENCY)
    print("emergency after return tasks", open_tasks(body).keys(), api.allowed(api.aid(aid_id, "aid_officer")))

def test_suspended(api, flagged):
    c, a = flagged
    api.ok(c.id, "suspend", "supervisor", {"reason": "住院"})
    r = api.fire_aid(a["id"], "apply", "aid_officer", apply_data())
    print("suspended", r.status_code, r.get_json())
