"""Object-level access: who may open a case, and who may read which compartment of it."""
from __future__ import annotations

import pytest

from workflow.admin.models import Agency
from workflow.admin.users import create_user, update_user
from workflow.cases import definition
from workflow.cases.operations import get_case, search_cases
from workflow.core.access import can
from workflow.core.engine import actions_for
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db

TEAM = ("intake_officer", "examiner", "interviewer", "psychologist", "case_prosecutor", "social_worker")
STRANGERS = ("examiner_m", "aid_officer", "aid_approver", "finance_officer", "registry_maintainer",
             "employer_hr", "auditor", "admin", "other_supervisor", "other_examiner")


def test_who_may_open_a_case(kit, users):
    case = kit.make_case("registered")
    for key in (*TEAM, "supervisor"):
        assert can(users[key], "view_case", case) == (True, None), key
        assert get_case(users[key], case.id) is case
    for key in STRANGERS:
        allowed, reason = can(users[key], "view_case", case)
        assert (allowed, reason.status, reason.code) == (False, 404, "not_found"), key
        assert str(reason)
        with pytest.raises(WorkflowError) as info:
            get_case(users[key], case.id)
        assert info.value.status == 404
    # A missing case looks exactly like a forbidden one.
    with pytest.raises(WorkflowError) as info:
        get_case(users["supervisor"], case.id + 1000)
    assert info.value.status == 404


def test_case_lists_show_only_visible_cases(kit, users):
    mine = kit.make_case("registered")
    referred = kit.make_case("referred", child_name="王乐乐", sex="M")
    ids = lambda key: {c.id for c in search_cases(users[key]).items}  # noqa: E731
    assert ids("supervisor") == {mine.id, referred.id}
    assert ids("examiner") == {mine.id}
    assert ids("intake_officer") == {mine.id, referred.id}
    assert ids("other_supervisor") == set()
    assert ids("other_examiner") == set()
    for key in ("aid_officer", "auditor", "admin", "employer_hr"):
        with pytest.raises(WorkflowError) as info:
            search_cases(users[key])
        assert info.value.status == 403


def test_team_members_who_leave_the_team_lose_access(kit, users):
    case = kit.make_case("registered", child_name="王乐乐", sex="M")
    kit.fire("supervisor", case, "assign_member", {"role": "examiner", "user_id": users["examiner_m"].id})
    assert can(users["examiner_m"], "view_case", case) == (True, None)
    assert can(users["examiner"], "view_case", case)[1].status == 404


def test_deactivated_or_anonymous_users_may_do_nothing(kit, users):
    case = kit.make_case("registered")
    assert can(None, "view_case", case)[1].status == 401
    examiner = users["examiner"]
    update_user(examiner, actor=users["admin"], full_name=examiner.full_name, sex="F", roles=["examiner"],
                agency=examiner.agency, active=False)
    allowed, reason = can(examiner, "start_exam", case)
    assert (allowed, reason.status) == (False, 401)
    with pytest.raises(WorkflowError) as info:
        kit.fire(examiner, case, "start_exam")
    assert info.value.status == 401 and case.state == "registered"


@pytest.mark.parametrize("compartment", sorted(definition.COMPARTMENTS))
def test_compartments(kit, users, compartment):
    case = kit.make_case("registered")
    readers = set(definition.COMPARTMENTS[compartment])
    for key in (*TEAM, "supervisor"):
        allowed, reason = can(users[key], f"see:{compartment}", case)
        if key in readers:
            assert (allowed, reason) == (True, None), key
        else:
            assert (allowed, reason.status, reason.code) == (False, 403, "forbidden"), key
            assert str(reason)
    for key in STRANGERS:
        assert can(users[key], f"see:{compartment}", case)[1].status == 404, key


def test_the_named_compartments(kit, users):
    case = kit.make_case("registered")
    see = lambda key, c: can(users[key], f"see:{c}", case)[0]  # noqa: E731
    assert {k for k in (*TEAM, "supervisor") if see(k, "medical")} == {"examiner", "case_prosecutor"}
    assert {k for k in (*TEAM, "supervisor") if see(k, "psych")} == {"psychologist"}
    assert {k for k in (*TEAM, "supervisor") if see(k, "visits")} == {"social_worker", "case_prosecutor"}


def test_a_role_held_but_not_on_this_team_is_not_enough(kit, users, app):
    """Someone who is both interviewer and examiner but sits on the team as interviewer only."""
    centre = db.session.scalar(db.select(Agency).where(Agency.name == "测试一站式中心"))
    both = create_user(username="both", password="password-123", full_name="双角色", sex="F",
                       roles=["interviewer", "examiner"], agency=centre)
    case = kit.make_case("registered")
    kit.fire("supervisor", case, "assign_member", {"role": "interviewer", "user_id": both.id})
    allowed, reason = can(both, "start_exam", case)
    assert (allowed, reason.status, reason.code) == (False, 403, "not_on_team")
    assert can(both, "see:medical", case)[0] is False  # medical is for the team's examiner
    error = kit.refused(both, case, "start_exam")
    assert (error.status, error.code) == (403, "not_on_team")
    assert case.state == "registered"


def test_actions_offered_match_can(kit, users):
    case = kit.make_case("forensic_exam")
    actions = {a.trigger: a for a in actions_for(users["examiner"], case)}
    assert set(actions) == {t.trigger for t in definition.TRANSITIONS if "examiner" in t.roles}
    assert actions["record_exam"].allowed and actions["add_sample"].allowed
    assert not actions["complete_exam"].allowed and actions["complete_exam"].reason.status == 422
    assert not actions["start_exam"].allowed and actions["start_exam"].reason.code == "wrong_state"
    assert "conclude_aid" not in {a.trigger for a in actions_for(users["supervisor"], case)}
    assert actions_for(users["auditor"], case) == []


def test_create_case_roles(kit, users):
    for key in ("intake_officer", "case_prosecutor"):
        assert can(users[key], "create_case") == (True, None)
    for key in ("examiner", "supervisor", "social_worker", "admin", "auditor"):
        allowed, reason = can(users[key], "create_case")
        assert (allowed, reason.status) == (False, 403)
