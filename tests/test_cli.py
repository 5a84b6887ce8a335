"""Command-line interface: create-user, seed-demo, workflow-diagram, workflow-table."""
from __future__ import annotations

import re
import shutil

import pyotp
import pytest
from sqlalchemy import func, select

from workflow.admin.models import AdminRequest, Agency, User
from workflow.admin.signin import check_password
from workflow.cases import definition
from workflow.cases import states as cases_states
from workflow.cases.models import Case
from workflow.core.extensions import db
from workflow.core.models import Event
from workflow.demo import DEMO_USERS

COMMANDS = ("create-user", "unlock-user", "seed-demo", "otp-code", "workflow-diagram", "workflow-table")


@pytest.fixture
def agency(app):
    centre = Agency(name="测试一站式中心", kind="centre")
    db.session.add(centre)
    db.session.commit()
    return centre


def test_create_user_with_several_roles(runner, agency):
    result = runner.invoke(args=["create-user", "--username", "lin", "--password", "long-enough-pw",
                                 "--role", "examiner", "--role", "supervisor", "--agency", agency.name,
                                 "--full-name", "林静", "--sex", "F"])
    assert result.exit_code == 0, result.output
    assert "created user lin" in result.output
    user = db.session.scalar(select(User).where(User.username == "lin"))
    assert user.roles == {"examiner", "supervisor"}
    assert (user.full_name, user.sex, user.agency_id) == ("林静", "F", agency.id)
    assert user.password_hash != "long-enough-pw"
    assert check_password("lin", "long-enough-pw", "page") == user


def test_create_user_defaults_the_full_name(runner, agency):
    result = runner.invoke(args=["create-user", "--username", "wang", "--password", "long-enough-pw",
                                 "--role", "interviewer", "--agency", agency.name])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "wang"))
    assert (user.full_name, user.roles) == ("wang", {"interviewer"})


@pytest.mark.parametrize("args, message", [
    (["--role", "examiner", "--agency", "没有这个机构"], "没有名为“没有这个机构”的单位"),  # zh_CN by default
    (["--role", "wizard", "--agency", "测试一站式中心"], "wizard"),
    (["--agency", "测试一站式中心"], "--role"),
])
def test_create_user_refuses_bad_input(runner, agency, args, message):
    result = runner.invoke(args=["create-user", "--username", "bad", "--password", "long-enough-pw", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(User).where(User.username == "bad")) is None


def test_create_user_refuses_a_short_password_and_a_taken_username(runner, agency):
    base = ["create-user", "--username", "lin", "--role", "examiner", "--agency", agency.name]
    result = runner.invoke(args=[*base, "--password", "short"])
    assert result.exit_code != 0 and "密码至少需要 10 个字符" in result.output
    assert runner.invoke(args=[*base, "--password", "long-enough-pw"]).exit_code == 0
    result = runner.invoke(args=[*base, "--password", "long-enough-pw"])
    assert result.exit_code != 0 and "该用户名已被使用" in result.output


def test_seed_demo_loads_cases_in_every_state_and_is_idempotent(runner):
    result = runner.invoke(args=["seed-demo", "--password", "demo-password-1"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    for username, _name, _sex, roles, _agency in DEMO_USERS:
        assert username in result.output
        assert ", ".join(roles) in result.output
    states = set(db.session.scalars(select(Case.state)))
    assert states == set(cases_states.STATE_NAMES)
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.suspended_at.is_not(None))) == 1
    # Two children of one incident.
    shared = db.session.execute(select(Case.incident_id, func.count()).group_by(Case.incident_id)
                                .having(func.count() > 1)).all()
    assert len(shared) == 1
    assert check_password("supervisor", "demo-password-1", "page").enrolled
    # Each demo user's second-factor key is printed; otp-code prints the code it gives now.
    key = re.search(r"^  supervisor\s+([A-Z2-7]{32})\s", result.output, re.M).group(1)
    code = runner.invoke(args=["otp-code", "supervisor"])
    assert code.exit_code == 0 and code.output.strip() == pyotp.TOTP(key).now()
    # Two administrators, and a role request of the first waiting for the second (four-eyes).
    (request,) = db.session.scalars(select(AdminRequest).where(AdminRequest.state == "pending")).all()
    assert (request.requested_by.username, request.user.username, request.change["add"]) == \
        ("admin", "intake", ["supervisor"])
    assert "supervisor" not in request.user.roles
    assert {"admin", "admin2"} <= {u.username for u in db.session.scalars(select(User)) if u.has_role("admin")}

    counts = (db.session.scalar(select(func.count(Case.id))), db.session.scalar(select(func.count(User.id))),
              db.session.scalar(select(func.count(Event.id))))
    again = runner.invoke(args=["seed-demo", "--password", "demo-password-1"])
    assert again.exit_code == 0, again.output
    assert "Demo data ready." in again.output and "supervisor" in again.output
    assert (db.session.scalar(select(func.count(Case.id))), db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(Event.id)))) == counts


def test_workflow_diagram_writes_an_svg_with_every_state(runner, tmp_path):
    assert shutil.which("dot"), "Graphviz `dot` is required (apt-get install -y graphviz)"
    out = tmp_path / "docs" / "workflow.svg"
    result = runner.invoke(args=["workflow-diagram", "--out", str(out), "--highlight", "follow_up"])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    svg = out.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for state in cases_states.STATE_NAMES:
        assert state in svg
    for transition in definition.TRANSITIONS:
        assert transition.trigger in svg
    assert "#0d6efd" in svg  # the highlighted state


def test_workflow_diagram_needs_out(runner):
    result = runner.invoke(args=["workflow-diagram"])
    assert result.exit_code != 0 and "--out" in result.output


def test_workflow_table_lists_every_trigger(runner):
    result = runner.invoke(args=["workflow-table"])
    assert result.exit_code == 0
    for transition in (definition.CREATE, *definition.TRANSITIONS):
        assert f"| `{transition.trigger}` |" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(runner, command):
    result = runner.invoke(args=[command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and command in result.output
    assert len(result.output.splitlines()) > 3


def test_commands_are_listed(runner):
    result = runner.invoke(args=["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


def test_otp_code_is_refused_for_unknown_users_and_in_production(runner, app):
    result = runner.invoke(args=["otp-code", "nobody"])
    assert result.exit_code != 0 and "no second factor" in result.output
    app.config["ENV_NAME"] = "production"
    for args in (["otp-code", "nobody"], ["seed-demo"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and "development only" in result.output
