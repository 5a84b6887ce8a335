"""Role matrix over every aid trigger a person fires.

For each trigger an application is prepared at the engine level (`workflow.demo.fire` /
`drive_aid`) in a source state with its guards met; then, through the API, the role the definition
names succeeds (and its `actions` entry said so), users of other aid roles get 403, people who do not
act on the application get 404, and the allowed role gets 409 wrong_state outside the trigger's
sources. Nothing is stored by a refusal.
"""
from __future__ import annotations

import pytest
from aid_helpers import (
    APPROVE,
    EMERGENCY,
    FINANCES,
    FLAG,
    RECOVERY,
    REFUSAL,
    WITHDRAW,
    apply_data,
    assert_error,
    notify,
    payment,
    proposal,
)

from workflow import demo
from workflow.aid import definition

VERIFY = {"request": "请核实申请人家庭收入。"}
REPORT = {"finances_confirmed": "yes", "report": "经核实，家庭收入情况属实。"}


def _remote_agency(users) -> int:
    return users["remote_aid_officer"].agency_id


# Valid API data per trigger (amounts in fen), given the prepared application and the users.
DATA = {
    "apply": lambda a, u: apply_data(),
    "accept": lambda a, u: None,
    "refuse": lambda a, u: REFUSAL,
    "start_investigation": lambda a, u: None,
    "record_finances": lambda a, u: FINANCES,
    "entrust_verification": lambda a, u: {**VERIFY, "agency_id": _remote_agency(u)},
    "report_verification": lambda a, u: REPORT,
    "propose": lambda a, u: proposal(2_500_000),
    "return_proposal": lambda a, u: {"reason": "请补充家庭收入证明。"},
    "approve": lambda a, u: APPROVE,
    "reject": lambda a, u: REFUSAL,
    "emergency_approve": lambda a, u: EMERGENCY,
    "record_emergency_proposal": lambda a, u: proposal(1_000_000),
    "notify_applicant": lambda a, u: notify(),
    "record_payment": lambda a, u: payment(1_500_000),
    "record_recovery": lambda a, u: RECOVERY,
    "withdraw_application": lambda a, u: WITHDRAW,
}


def _fire(trigger: str, who: str):
    """A preparation step: `trigger` fired at the engine level by `who` with DATA."""
    return lambda application, users: demo.fire(users[who], application, trigger,
                                                DATA[trigger](application, users) or {})


# Per trigger: the state the demo's normal path drives a fresh application to, then steps that meet
# the trigger's guards.
PREPARE = {
    "apply": ("flagged",),
    "accept": ("applied",),
    "refuse": ("applied",),
    "start_investigation": ("accepted",),
    "record_finances": ("investigating",),
    "entrust_verification": ("investigating",),
    "report_verification": ("investigating", _fire("entrust_verification", "aid_officer")),
    "propose": ("investigating", _fire("record_finances", "aid_officer")),
    "return_proposal": ("proposed",),
    "approve": ("proposed",),
    "reject": ("proposed",),
    "emergency_approve": ("accepted",),
    "record_emergency_proposal": ("accepted", _fire("emergency_approve", "aid_deputy"),
                                  _fire("record_finances", "aid_officer")),
    "notify_applicant": ("approved",),
    "record_payment": ("approved",),
    "record_recovery": ("disbursing",),
    "withdraw_application": ("applied",),
}
# Who acts in a role (the demo's proposal of 25,000 yuan is the department head's; emergency aid
# needs a deputy chief).
ACTOR = {"aid_officer": "aid_officer", "aid_approver": "aid_approver", "finance_officer": "finance_officer",
         "case_prosecutor": "case_prosecutor", "verifier": "remote_aid_officer"}
ACTOR_FOR = {("emergency_approve", "aid_approver"): "aid_deputy"}
# The roles each test user acts in on an application of the test procuratorate; the others do not
# act on it at all (404), the remote officer only once verification is entrusted to their agency.
AID_ROLES = {"aid_officer": {"aid_officer"}, "aid_officer_2": {"aid_officer"}, "aid_approver": {"aid_approver"},
             "aid_deputy": {"aid_approver"}, "aid_chief": {"aid_approver"},
             "aid_approver_officer": {"aid_officer", "aid_approver"}, "finance_officer": {"finance_officer"},
             "case_prosecutor": {"case_prosecutor"}}
STRANGERS = ("remote_aid_officer", "social_worker", "examiner", "supervisor", "intake_officer", "auditor")

TRIGGERS = [t.trigger for t in definition.AID.transitions if not t.automatic]
PAIRS = [(t.trigger, role) for t in definition.AID.transitions if not t.automatic for role in t.roles]


def actor(trigger: str, role: str) -> str:
    return ACTOR_FOR.get((trigger, role), ACTOR[role])


def prepare(make_case, users, trigger: str):
    """A fresh application (its case in aid review, flagged by the prosecutor) ready for `trigger`."""
    state, *steps = PREPARE[trigger]
    case = make_case("aid_review")
    demo.fire(users["case_prosecutor"], case, "flag_aid", FLAG)
    application = demo.drive_aid(case.aid_applications[-1], state, users)
    for step in steps:
        step(application, users)
    return application


def expected_refusal(users, application, key: str, transition) -> int | None:
    """404 for who does not act on the application, 403 for who acts in none of the trigger's roles."""
    roles = set(AID_ROLES.get(key, ()))
    if key == "remote_aid_officer" and any(v.agency_id == users[key].agency_id for v in application.verifications):
        roles = {"verifier"}
    if not roles:
        return 404
    return None if roles & set(transition.roles) else 403


def test_the_tables_cover_every_aid_trigger():
    assert set(PREPARE) == set(DATA) == set(TRIGGERS)
    assert {role for _trigger, role in PAIRS} <= set(ACTOR)


@pytest.mark.parametrize("trigger, role", PAIRS, ids=[f"{t}-{r}" for t, r in PAIRS])
def test_the_allowed_role_succeeds_and_other_roles_are_refused(api, make_case, users, trigger, role):
    transition = definition.AID.by_trigger[trigger]
    application = prepare(make_case, users, trigger)
    aid_id, state, version = application.id, application.state, application.version
    assert state in transition.sources
    data = DATA[trigger](application, users)

    refused = {}
    for key in (*AID_ROLES, *STRANGERS):
        status = expected_refusal(users, application, key, transition)
        if status is None:
            continue
        body = assert_error(api.fire_aid(aid_id, trigger, key, data, version=version), status)
        refused[key] = status
        assert body["error"] in ({"not_found"} if status == 404 else {"forbidden", "not_on_team"}), (key, body)
        if status == 403:  # they see the application, but not this action
            assert trigger not in api.allowed(api.aid(aid_id, key)), key
    assert 403 in refused.values() and 404 in refused.values()
    assert api.version(aid_id) == version

    who = actor(trigger, role)
    assert api.allowed(api.aid(aid_id, who))[trigger] is True
    body = api.ok_aid(aid_id, trigger, who, data)
    automatic = {"record_payment": 1}.get(trigger, 0)  # the first payment starts the disbursement
    assert body["version"] == version + 1 + automatic
    assert body["state"] == {"record_payment": "disbursing"}.get(trigger, transition.dest or state)


# Outside its sources: most triggers are tried on an application awaiting its decision (with a
# reported verification, so the remote officer still acts on it), the decision triggers on a
# disbursed one.
def _proposed_after_verification(make_case, users):
    application = prepare(make_case, users, "report_verification")
    demo.fire(users["remote_aid_officer"], application, "report_verification", REPORT)
    demo.fire(users["aid_officer"], application, "record_finances", FINANCES)
    return demo.drive_aid(application, "proposed", users)


def test_the_allowed_role_in_a_wrong_state_gets_409(api, make_case, users):
    proposed = _proposed_after_verification(make_case, users)
    disbursed = demo.drive_aid(prepare(make_case, users, "apply"), "disbursed", users)
    problems = []
    for trigger, role in PAIRS:
        transition = definition.AID.by_trigger[trigger]
        application = proposed if "proposed" not in transition.sources else disbursed
        assert application.state not in transition.sources
        who, version = actor(trigger, role), application.version
        action = next(a for a in api.aid(application.id, who)["actions"] if a["trigger"] == trigger)
        if (action["allowed"], action.get("status"), action.get("code")) != (False, 409, "wrong_state"):
            problems.append(f"{trigger} as {who}: actions say {action}")
        response = api.fire_aid(application.id, trigger, who, DATA[trigger](application, users), version=version)
        body = assert_error(response, 409)
        if body["error"] != "wrong_state" or api.version(application.id) != version:
            problems.append(f"{trigger} as {who}: {body}")
    assert problems == []
