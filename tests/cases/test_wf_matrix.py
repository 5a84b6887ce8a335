"""State x role matrix over every trigger of the process definition.

For each trigger a case is brought into one of its source states with its guards met (PREPARE in
conftest.py) and valid data (DATA). Then: every role the definition names succeeds; every other team
role gets 403; users who are not on the team (and not the centre's supervisor) get 404; a user who
broke the glass reads the case in their role's compartments and gets 403 on every trigger; the allowed
role in a state outside the trigger's sources gets 409 wrong_state. `can()` must agree every time.
An administrator with a pending request to become the centre's supervisor (`admin_2`, asked for by
`admin`) is refused like any stranger: the role is not in effect until a second administrator approves.
"""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from forms.emergency import BreakGlassForm
from workflow.admin.users import update_user
from workflow.cases import definition
from workflow.core import engine
from workflow.core.access import can
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.emergency import operations as emergency

TRIGGERS = [t.trigger for t in definition.TRANSITIONS]
ROLE_PAIRS = [(t.trigger, role) for t in definition.TRANSITIONS for role in (t.roles or ("system",))]


@pytest.fixture(autouse=True)
def pending_supervisor(users):
    """admin asks that admin_2 (of the test centre) also be a supervisor; nobody approves it."""
    admin_2 = users["admin_2"]
    (request,) = update_user(admin_2, actor=users["admin"], full_name=admin_2.full_name, sex=admin_2.sex,
                             roles=["admin", "supervisor"], agency=admin_2.agency, active=True)
    assert request.state == "pending" and admin_2.roles == {"admin"}
    return request


def test_the_tables_cover_every_trigger(kit):
    """A new trigger must get preparation and data here, or the matrix would silently skip it."""
    assert set(kit.PREPARE) == set(TRIGGERS)
    assert set(kit.DATA) == set(TRIGGERS)
    assert all(t.roles or t.automatic for t in definition.TRANSITIONS)


@pytest.mark.parametrize("trigger, role", ROLE_PAIRS, ids=[f"{t}-{r}" for t, r in ROLE_PAIRS])
def test_allowed_role_succeeds(kit, trigger, role):
    transition = definition.TRANSITION_BY_TRIGGER[trigger]
    case = kit.prepare(trigger)
    assert case.state in transition.sources
    before = kit.snapshot(case)
    user = None if role == "system" else kit.actor(role, case)
    if user is not None:
        assert can(user, trigger, case) == (True, None)

    kit.fire(user, case, trigger)

    assert case.state == (transition.dest or before["state"])
    assert case.version == before["version"] + 1
    events = kit.events(case)
    assert len(events) == before["events"] + 1
    assert events[-1].action == trigger
    assert events[-1].actor_id == (user.id if user else None)


def _expected(kit, transition, key, case):
    user = kit.users[key]
    is_supervisor = key == "supervisor"
    acting = {m.role for m in case.team if m.user_id == user.id} | ({"supervisor"} if is_supervisor else set())
    if not acting:
        return 404
    if transition.automatic or not acting & set(transition.roles):
        return 403
    return "ok"


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_other_roles_are_refused(kit, trigger):
    transition = definition.TRANSITION_BY_TRIGGER[trigger]
    case = kit.prepare(trigger)
    before = kit.snapshot(case)
    expectations = {key: _expected(kit, transition, key, case) for key in kit.users}
    # The matrix is only meaningful if each outcome occurs.
    assert 404 in expectations.values() and 403 in expectations.values()
    for key in ("aid_officer", "aid_approver", "finance_officer", "registry_maintainer", "employer_hr",
                "auditor", "admin", "admin_2", "other_supervisor", "other_examiner"):
        assert expectations[key] == 404
    problems = []
    for key, expected in expectations.items():
        if expected == "ok":
            continue
        allowed, reason = can(kit.users[key], trigger, case)
        try:
            kit.fire(key, case, trigger)
        except WorkflowError as exc:
            got = exc.status
            if not exc.message:
                problems.append(f"{key}: empty message")
            if (allowed, reason, str(reason or "")) != (False, reason, exc.message) or reason.status != got \
                    or reason.code != exc.code:
                problems.append(f"{key}: can() says {allowed, reason, getattr(reason, 'code', None)}, "
                                f"fire says {exc.status} {exc.code} {exc.message}")
        else:
            got = "ok"
        if got != expected:
            problems.append(f"{key}: expected {expected}, got {got}")
        expected_code = {404: "not_found", 403: "forbidden"}[expected]
        if got == expected and reason.code != expected_code:
            problems.append(f"{key}: {got} with code {reason.code}, expected {expected_code}")
    assert problems == []
    assert kit.snapshot(case) == before


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_allowed_role_in_wrong_state_gets_409(kit, trigger, users):
    transition = definition.TRANSITION_BY_TRIGGER[trigger]
    if transition.automatic:
        # The system is refused by state too (its guard met: an ended aid application in `registered`).
        case = kit.prepare("flag_aid")
        kit.fire_as_role(case, "flag_aid")
        case.aid_applications[0].state = "withdrawn"
        db.session.commit()
        assert transition.guards[0](case) is None
        user = None
    else:
        case = kit.staff(kit.make_case("referred"))
        if "referred" in transition.sources:
            kit.fire("supervisor", case, "withdraw")
        user = kit.actor(transition.roles[0], case)
    assert case.state not in transition.sources
    before = kit.snapshot(case)
    if user is not None:
        allowed, reason = can(user, trigger, case)
        assert (allowed, reason.status, reason.code) == (False, 409, "wrong_state")
    try:
        data = kit.DATA[trigger](case, users)
    except (AttributeError, StopIteration, IndexError):  # needs a sample/visit/contact this state lacks
        data = {}
    error = kit.refused(user, case, trigger, data)
    assert (error.status, error.code) == (409, "wrong_state")
    assert error.message
    assert kit.snapshot(case) == before


def test_only_the_system_fires_automatic_triggers_and_never_others(kit):
    case = kit.prepare("conclude_aid")
    error = kit.refused("case_prosecutor", case, "conclude_aid")
    assert (error.status, error.code) == (403, "forbidden")
    error = kit.refused(None, case, "decline_aid")
    assert (error.status, error.code) == (403, "forbidden")
    kit.fire(None, case, "conclude_aid")
    assert case.state == "follow_up"
    # Out of its source states the system is refused by state first, whatever the guards say.
    other = kit.make_case("referred")
    error = kit.refused(None, other, "conclude_aid")
    assert (error.status, error.code) == (409, "wrong_state")


def test_unknown_trigger_is_404(kit):
    case = kit.make_case("referred")
    with pytest.raises(WorkflowError) as info:
        engine.transition_for("teleport", definition.CASE)
    assert (info.value.status, info.value.code) == (404, "unknown_trigger")
    allowed, reason = can(kit.users["supervisor"], "teleport", case)
    assert (allowed, reason.status, reason.code) == (False, 404, "unknown_trigger")


def _emergency_reader(kit, case):
    """The centre's examiner who is not on the case's team, after breaking the glass on it."""
    reader = next(kit.users[key] for key in ("examiner_m", "examiner") if case.member("examiner") is not kit.users[key])
    form = BreakGlassForm(formdata=MultiDict({"case": case.number, "reason": "夜间急诊，需立即查看检查记录。"}),
                          meta={"csrf": False})
    emergency.break_glass(reader, form)
    return reader


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_a_break_the_glass_reader_reads_as_the_grant_says_and_every_trigger_is_refused(kit, trigger):
    """Emergency access is reading only: the case and the compartments of the reader's team role
    (an examiner: medical), no other compartment, and 403 on every trigger, `can()` and the engine
    agreeing, with nothing changed."""
    case = kit.prepare(trigger)
    reader = _emergency_reader(kit, case)
    before = kit.snapshot(case)

    assert can(reader, "view_case", case) == (True, None)
    for compartment, readers in definition.COMPARTMENTS.items():
        assert can(reader, f"see:{compartment}", case)[0] == ("examiner" in readers), compartment
    assert engine.actions_for(reader, case) == []
    allowed, reason = can(reader, trigger, case)
    assert (allowed, reason.status) == (False, 403)
    assert reason.code == ("not_on_team" if "examiner" in definition.TRANSITION_BY_TRIGGER[trigger].roles
                           else "forbidden")
    with pytest.raises(WorkflowError) as info:
        kit.fire(reader, case, trigger)
    assert (info.value.status, info.value.code, info.value.message) == (403, reason.code, str(reason))
    assert kit.snapshot(case) == before
