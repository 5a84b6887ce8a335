"""Administrators cannot give themselves (or anyone) case access alone: roles, a higher aid approval
level, another agency and a second-factor reset wait for a second administrator, who is neither the
requester nor the user concerned; nobody changes their own roles or agency. Every administrator's
change is in the admin log, with its values before and after, which auditors read."""
from __future__ import annotations

import datetime as dt
import json
import re

import page_clients
import pyotp
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from workflow.admin import changes, requests
from workflow.admin.models import AdminChange, AdminRequest, Agency, RecoveryCode, User, UserSession
from workflow.admin.signin import enrol_with
from workflow.admin.users import create_user, update_user
from workflow.core.access import can
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.core.models import utcnow


def _form(user: User, **changes_) -> dict:
    """The user form as the page posts it, with `changes_` (roles as a list)."""
    data = {"username": user.username, "full_name": user.full_name, "sex": user.sex, "agency_id": str(user.agency_id),
            "roles": sorted(user.roles), "aid_level": user.aid_level or "", "email": user.email or "",
            "active": "y", "password": ""}
    data.update(changes_)
    return data


def _fresh(user: User) -> User:
    """The user as the database has it now (page requests commit in sessions of their own)."""
    db.session.expire_all()
    return db.session.get(User, user.id)


def _pending(user: User) -> list[AdminRequest]:
    db.session.expire_all()
    return list(db.session.scalars(select(AdminRequest).where(AdminRequest.user_id == user.id,
                                                              AdminRequest.state == "pending")))


def _log(object_type: str | None = None, **where) -> list[AdminChange]:
    db.session.expire_all()
    stmt = select(AdminChange).order_by(AdminChange.id)
    if object_type:
        stmt = stmt.where(AdminChange.object_type == object_type)
    for key, value in where.items():
        stmt = stmt.where(getattr(AdminChange, key) == value)
    return list(db.session.scalars(stmt))


def _alerts(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def case(make_case):
    return make_case("registered")


def test_a_case_role_granted_by_one_admin_is_not_in_effect_until_a_second_approves(pages, users, case):
    target, admin = users["examiner_m"], users["admin"]  # not on the case's team
    response = pages.as_("admin").post(f"/admin/users/{target.id}", data=_form(target, roles=["examiner", "supervisor"]))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/users/{target.id}")

    # Not in effect: the role is pending, `can` refuses the case, its page is a 404.
    assert _fresh(target).roles == {"examiner"}
    (request,) = _pending(target)
    assert (request.kind, request.change, request.requested_by_id) == ("roles", {"add": ["supervisor"],
                                                                                "aid_level": None}, admin.id)
    allowed, reason = can(_fresh(target), "view_case", case)
    assert (allowed, reason.status) == (False, 404)
    assert pages.as_("examiner_m").get(f"/cases/{case.id}").status_code == 404

    # The requester cannot approve it: refused, still pending, still not in effect.
    own = pages.as_("admin").post(f"/admin/requests/{request.id}/approve")
    assert own.status_code == 302
    with pytest.raises(WorkflowError) as refused:
        requests.decide(_fresh(admin), db.session.get(AdminRequest, request.id), approve=True)
    assert (refused.value.status, refused.value.code) == (403, "four_eyes")
    assert _pending(target)[0].id == request.id and _fresh(target).roles == {"examiner"}

    # The second administrator's approval puts it into force.
    assert pages.as_("admin_2").post(f"/admin/requests/{request.id}/approve").status_code == 302
    db.session.expire_all()
    decided = db.session.get(AdminRequest, request.id)
    assert (decided.state, decided.decided_by_id) == ("approved", users["admin_2"].id)
    assert _fresh(target).roles == {"examiner", "supervisor"}
    assert can(_fresh(target), "view_case", case) == (True, None)
    assert pages.as_("examiner_m").get(f"/cases/{case.id}").status_code == 200

    # The log has the request, the grant with the roles before and after, and the approval.
    (grant,) = _log("role", object_id=str(target.id), action="grant", actor_id=users["admin_2"].id)
    assert grant.before == {"roles": ["examiner"], "aid_level": None}
    assert grant.after == {"roles": ["examiner", "supervisor"], "aid_level": None}
    actions = [(r.action, r.actor_id) for r in _log("request", object_id=str(request.id))]
    assert actions == [("request", admin.id), ("approve", users["admin_2"].id)]


def test_a_rejected_request_grants_nothing(pages, users, case):
    target = users["examiner_m"]
    pages.as_("admin").post(f"/admin/users/{target.id}", data=_form(target, roles=["examiner", "supervisor"]))
    (request,) = _pending(target)
    assert pages.as_("admin_2").post(f"/admin/requests/{request.id}/reject").status_code == 302
    db.session.expire_all()
    assert db.session.get(AdminRequest, request.id).state == "rejected"
    assert _fresh(target).roles == {"examiner"}
    assert can(_fresh(target), "view_case", case)[1].status == 404
    (row,) = _log("request", object_id=str(request.id), action="reject")
    assert row.before == {"state": "pending"} and row.after["state"] == "rejected"
    # Decided once: a second decision is a 409.
    with pytest.raises(WorkflowError) as again:
        requests.decide(_fresh(users["admin_2"]), db.session.get(AdminRequest, request.id), approve=True)
    assert again.value.status == 409


def test_nobody_changes_their_own_roles_or_agency(pages, users):
    admin = users["admin"]
    other = db.session.scalar(select(Agency).where(Agency.name == "另一中心"))
    client = pages.as_("admin")
    response = client.post(f"/admin/users/{admin.id}", data=_form(admin, roles=["admin", "supervisor"]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="roles-error1"' in html
    response = client.post(f"/admin/users/{admin.id}", data=_form(admin, agency_id=str(other.id)))
    assert response.status_code == 422 and 'id="agency_id-error1"' in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{admin.id}", data=_form(admin, roles=[]))  # removing too
    assert response.status_code == 422
    assert _fresh(admin).roles == {"admin"} and _fresh(admin).agency_id == admin.agency_id
    assert _pending(admin) == []
    # Other edits of one's own account go through.
    assert client.post(f"/admin/users/{admin.id}", data=_form(admin, full_name="新名字")).status_code == 302
    assert _fresh(admin).full_name == "新名字"
    # The service and the database refuse a request about oneself.
    with pytest.raises(WorkflowError):
        requests.open_request(_fresh(admin), _fresh(admin), "roles", {"add": ["supervisor"], "aid_level": None})
    db.session.rollback()
    db.session.add(AdminRequest(kind="roles", user_id=admin.id, requested_by_id=admin.id, change={"add": []}))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_a_decision_by_the_requester_or_the_user_concerned(users):
    admin, target = users["admin"], users["examiner_m"]
    for decider in (admin, target):
        db.session.add(AdminRequest(kind="roles", user_id=target.id, requested_by_id=admin.id,
                                    change={"add": ["supervisor"]}, state="approved", decided_by_id=decider.id,
                                    decided_at=utcnow()))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_a_request_about_an_administrator_needs_a_third_one(users, case):
    """admin asks that admin_2 be a supervisor: neither of them may approve it."""
    admin, admin_2 = users["admin"], users["admin_2"]
    opened = update_user(admin_2, actor=admin, full_name=admin_2.full_name, sex=admin_2.sex,
                         roles=["admin", "supervisor"], agency=admin_2.agency, active=True)
    (request,) = opened
    for who in (admin, admin_2):
        assert can(who, "decide_admin_request", request)[1].code == "four_eyes"
        with pytest.raises(WorkflowError) as refused:
            requests.decide(who, request, approve=True)
        assert refused.value.status == 403
    assert request.state == "pending" and admin_2.roles == {"admin"}
    assert can(admin_2, "view_case", case)[1].status == 404
    third = create_user(username="admin_3", password="password-123", full_name="第三管理员", sex="F",
                        roles=["admin"], agency=admin.agency)  # the command line: at once
    requests.decide(third, request, approve=True)
    assert admin_2.roles == {"admin", "supervisor"}
    assert can(admin_2, "view_case", case) == (True, None)


def test_a_user_created_by_an_admin_has_no_access_until_approved(pages, users, case):
    centre = db.session.scalar(select(Agency).where(Agency.name == "测试一站式中心"))
    response = pages.as_("admin").post("/admin/users/new", data={
        "username": "newbie", "full_name": "新同事", "sex": "F", "agency_id": str(centre.id),
        "roles": ["supervisor"], "aid_level": "", "email": "", "password": "long-enough-pw"})
    assert response.status_code == 302
    newbie = db.session.scalar(select(User).where(User.username == "newbie"))
    assert newbie.roles == set() and newbie.active
    assert can(newbie, "view_case", case)[1].status == 404
    page = pages.html("admin", response.headers["Location"])
    assert "data-no-access" in page and "data-user-pending" in page
    (request,) = _pending(newbie)
    assert request.change == {"add": ["supervisor"], "aid_level": None}
    (created,) = _log("user", object_id=str(newbie.id), action="create")
    assert created.actor_id == users["admin"].id and created.after["password"] == "set"
    assert "password_hash" not in created.after
    # The user can sign in (with a second factor) and sees nothing: no menu, no case.
    enrol_with(newbie, page_clients.otp_secret("newbie"))
    db.session.commit()
    browser = page_clients._Client(pages.app)
    page_clients.sign_in(browser, "newbie", "long-enough-pw")
    inbox = browser.get("/inbox")
    assert inbox.status_code == 200 and 'href="/cases"' not in inbox.get_data(as_text=True)
    assert browser.get(f"/cases/{case.id}").status_code == 404
    assert pages.as_("admin_2").post(f"/admin/requests/{request.id}/approve").status_code == 302
    assert _fresh(newbie).roles == {"supervisor"}
    assert browser.get(f"/cases/{case.id}").status_code == 200


def test_the_command_line_grants_at_once_and_is_logged_as_such(runner, users):
    result = runner.invoke(args=["create-user", "--username", "lin", "--password", "long-enough-pw",
                                 "--role", "supervisor", "--agency", "测试一站式中心"])
    assert result.exit_code == 0, result.output
    lin = db.session.scalar(select(User).where(User.username == "lin"))
    assert lin.roles == {"supervisor"} and _pending(lin) == []
    rows = _log(object_id=str(lin.id))
    assert [(r.object_type, r.action, r.actor_id, r.actor) for r in rows] == [
        ("user", "create", None, "command line"), ("role", "grant", None, "command line")]
    assert rows[1].after == {"roles": ["supervisor"], "aid_level": None}


def test_removing_roles_deactivating_and_other_edits_take_effect_at_once(pages, users):
    both = users["aid_approver_officer"]
    client = pages.as_("admin")
    response = client.post(f"/admin/users/{both.id}", data=_form(both, roles=["aid_approver"], full_name="改名",
                                                                 password="a-new-password-1"))
    assert response.status_code == 302
    fresh = _fresh(both)
    assert (fresh.roles, fresh.full_name) == ({"aid_approver"}, "改名") and _pending(both) == []
    (removed,) = _log("role", object_id=str(both.id), action="remove")
    assert removed.before["roles"] == ["aid_approver", "aid_officer"] and removed.after["roles"] == ["aid_approver"]
    (edit,) = _log("user", object_id=str(both.id), action="update")
    assert edit.before == {"full_name": "aid_approver_officer 测试"}
    assert edit.after == {"full_name": "改名", "password": "changed"}
    assert fresh.password_hash not in json.dumps([edit.before, edit.after])
    client.post(f"/admin/users/{both.id}", data=_form(fresh, active=""))
    assert _fresh(both).active is False
    assert _log("user", object_id=str(both.id), action="update")[-1].after == {"active": False}


def test_a_higher_aid_level_waits_and_a_lower_one_does_not(pages, users):
    head, deputy = users["aid_approver"], users["aid_deputy"]
    client = pages.as_("admin")
    client.post(f"/admin/users/{head.id}", data=_form(head, aid_level="chief"))
    assert _fresh(head).aid_level == "department_head"
    (request,) = _pending(head)
    assert (request.kind, request.change) == ("aid_level", {"aid_level": "chief", "from_aid_level": "department_head"})
    client.post(f"/admin/users/{deputy.id}", data=_form(deputy, aid_level="department_head"))
    assert _fresh(deputy).aid_level == "department_head" and _pending(deputy) == []
    pages.as_("admin_2").post(f"/admin/requests/{request.id}/approve")
    assert _fresh(head).aid_level == "chief"
    # A new aid approver's level comes with the role, when it is approved.
    officer = users["aid_officer"]
    client.post(f"/admin/users/{officer.id}", data=_form(officer, roles=["aid_officer", "aid_approver"],
                                                         aid_level="deputy_chief"))
    assert (_fresh(officer).roles, _fresh(officer).aid_level) == ({"aid_officer"}, None)
    (request,) = _pending(officer)
    assert request.change == {"add": ["aid_approver"], "aid_level": "deputy_chief"}
    pages.as_("admin_2").post(f"/admin/requests/{request.id}/approve")
    assert (_fresh(officer).roles, _fresh(officer).aid_level) == ({"aid_officer", "aid_approver"}, "deputy_chief")


def test_a_move_to_another_agency_waits(pages, users):
    target = users["examiner_m"]
    other = db.session.scalar(select(Agency).where(Agency.name == "另一中心"))
    pages.as_("admin").post(f"/admin/users/{target.id}", data=_form(target, agency_id=str(other.id)))
    assert _fresh(target).agency_id != other.id
    (request,) = _pending(target)
    # A different move of the same user while this one waits is refused beside the field.
    third = db.session.scalar(select(Agency).where(Agency.name == "测试民政局"))
    response = pages.as_("admin").post(f"/admin/users/{target.id}", data=_form(_fresh(target),
                                                                              agency_id=str(third.id)))
    assert response.status_code == 422 and 'id="agency_id-error1"' in response.get_data(as_text=True)
    pages.as_("admin_2").post(f"/admin/requests/{request.id}/approve")
    assert _fresh(target).agency_id == other.id
    (moved,) = _log("user", object_id=str(target.id), action="update")
    assert moved.before["agency"] == "测试一站式中心" and moved.after["agency"] == "另一中心"


def test_a_second_factor_reset_waits_for_approval_then_ends_the_sessions(pages, users):
    target = users["examiner"]
    browser = pages.as_("examiner")
    assert browser.get("/inbox").status_code == 200
    user_page = pages.html("admin", f"/admin/users/{target.id}")
    assert "data-reset-second-factor" in user_page
    assert pages.as_("admin").post(f"/admin/users/{target.id}/reset-second-factor").status_code == 302
    (request,) = _pending(target)
    assert request.kind == "reset_second_factor"
    assert _fresh(target).enrolled and browser.get("/inbox").status_code == 200  # nothing yet
    assert "data-user-pending" in pages.html("admin", f"/admin/users/{target.id}")

    assert pages.as_("admin_2").post(f"/admin/requests/{request.id}/approve").status_code == 302
    fresh = _fresh(target)
    assert fresh.otp_secret is None and not fresh.enrolled
    assert db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == target.id)).all() == []
    assert browser.get("/inbox").status_code == 302
    ended = db.session.scalars(select(UserSession.end_reason).where(UserSession.user_id == target.id)).all()
    assert ended and set(ended) == {"second_factor"}
    (row,) = _log("user", object_id=str(target.id), action="reset_second_factor")
    assert row.before["second_factor"] == "set up" and row.before["open_sessions"] >= 1
    assert row.after == {"second_factor": "none", "open_sessions": 0, "api_tokens": 0}


def test_unlock_and_end_all_sessions_act_at_once_and_are_logged(pages, users):
    target = users["examiner"]
    browser = pages.as_("examiner")
    until = utcnow().replace(microsecond=0) + dt.timedelta(hours=1)
    db.session.execute(text("UPDATE users SET locked_until = :until, failed_logins = 7 WHERE id = :id"),
                       {"until": until, "id": target.id})
    db.session.commit()
    assert "data-unlock" in pages.html("admin", f"/admin/users/{target.id}")
    assert pages.as_("admin").post(f"/admin/users/{target.id}/unlock").status_code == 302
    fresh = _fresh(target)
    assert (fresh.locked_until, fresh.failed_logins) == (None, 0)
    assert "data-unlock" not in pages.html("admin", f"/admin/users/{target.id}")
    (unlocked,) = _log("lock", object_id=str(target.id))
    assert unlocked.before == {"locked_until": until.isoformat(), "failed_logins": 7}
    assert unlocked.after == {"locked_until": None, "failed_logins": 0}

    assert pages.as_("admin").post(f"/admin/users/{target.id}/end-sessions").status_code == 302
    assert browser.get("/inbox").status_code == 302
    (ended,) = _log("session", object_id=str(target.id))
    assert (ended.action, ended.before["open_sessions"], ended.after["open_sessions"]) == ("end_all", 1, 0)


def test_unlock_user_from_the_command_line(runner, users):
    target = users["examiner"]
    target.locked_until, target.failed_logins = utcnow() + dt.timedelta(hours=1), 6
    db.session.commit()
    result = runner.invoke(args=["unlock-user", "examiner"])
    assert result.exit_code == 0 and "unlocked examiner" in result.output
    assert _fresh(target).locked_until is None
    (row,) = _log("lock", object_id=str(target.id))
    assert (row.actor_id, row.actor) == (None, "command line")
    assert runner.invoke(args=["unlock-user", "nobody"]).exit_code != 0
    help_ = runner.invoke(args=["unlock-user", "--help"])
    assert help_.exit_code == 0 and "USERNAME" in help_.output and "lock-out" in help_.output


def test_the_requester_withdraws_and_pages_offer_only_the_allowed_buttons(pages, users):
    target = users["examiner_m"]
    pages.as_("admin").post(f"/admin/users/{target.id}", data=_form(target, roles=["examiner", "supervisor"]))
    (request,) = _pending(target)
    mine = pages.html("admin", "/admin/")
    assert f'data-request="{request.id}"' in mine
    assert f'data-approve="{request.id}"' not in mine and f'data-withdraw="{request.id}"' in mine
    theirs = pages.html("admin_2", "/admin/")
    assert f'data-approve="{request.id}"' in theirs and f'data-withdraw="{request.id}"' not in theirs
    assert pages.as_("admin_2").post(f"/admin/requests/{request.id}/withdraw").status_code == 302
    assert _pending(target)[0].id == request.id  # only the requester withdraws
    assert pages.as_("admin").post(f"/admin/requests/{request.id}/withdraw").status_code == 302
    db.session.expire_all()
    withdrawn = db.session.get(AdminRequest, request.id)
    assert (withdrawn.state, withdrawn.decided_by_id) == ("withdrawn", None) and withdrawn.decided_at
    assert pages.as_("admin").post("/admin/requests/999999/approve").status_code == 404
    assert pages.as_("supervisor").post(f"/admin/requests/{request.id}/approve").status_code == 403


def test_every_admin_change_is_in_the_log_with_before_and_after(pages, users):
    client = pages.as_("admin")
    agency = db.session.scalar(select(Agency).where(Agency.name == "测试民政局"))
    client.post(f"/admin/agencies/{agency.id}", data={"name": "测试民政局（新）", "kind": "civil_affairs",
                                                      "region": "", "doc_prefix": ""})
    client.post("/admin/agencies/new", data={"name": "新机构", "kind": "court", "region": "", "doc_prefix": ""})
    client.post("/admin/wages", data={"year": "2030", "region": "测试市", "monthly_fen": "12000"})
    client.post("/admin/calendar", data={"day": "2030-10-08", "kind": "holiday", "name": "测试假日", "name_en": ""})
    client.post("/admin/calendar/2030-10-08/delete")
    limits = {"aid_threshold_a_fen": "20000", "aid_threshold_b_fen": "100000", "aid_cap_months": "36",
              "registry_inquiries_per_hour": "200", "registry_batches_per_day": "10",
              "registry_batch_max_rows": "100000", "login_failures_before_lock": "5", "login_lock_minutes": "5",
              "login_lock_max_minutes": "1440", "session_idle_minutes": "30", "session_max_hours": "12",
              "api_token_hours": "4", "break_glass_minutes": "60", "bulk_read_window_minutes": "10",
              "bulk_read_warning": "60", "bulk_read_limit": "150", "retention_years": "10"}
    assert client.post("/admin/settings/limits", data=limits).status_code == 302

    (renamed,) = _log("agency", object_id=str(agency.id))
    assert (renamed.action, renamed.before, renamed.after) == ("update", {"name": "测试民政局"},
                                                               {"name": "测试民政局（新）"})
    (created,) = _log("agency", action="create")
    assert created.after["name"] == "新机构" and created.before is None
    (wage,) = _log("wage")
    assert (wage.object_id, wage.before, wage.after["monthly_fen"]) == ("2030/测试市", None, 1_200_000)
    day = _log("calendar_day", object_id="2030-10-08")
    assert [(r.action, r.before and r.before["name"], r.after and r.after["name"]) for r in day] == [
        ("create", None, "测试假日"), ("delete", "测试假日", None)]
    (setting,) = _log("setting")  # only the limit that changed
    assert (setting.object_id, setting.before, setting.after) == ("aid_threshold_a_fen", {"value": 3_000_000},
                                                                  {"value": 2_000_000})
    assert {r.actor_id for r in _log() if r.actor_id is not None} == {users["admin"].id}


def test_the_admin_log_is_append_only(users):
    assert _log()  # the fixtures' users, created from the command line
    for statement in ("UPDATE admin_changes SET action = 'x'", "DELETE FROM admin_changes"):
        with pytest.raises(DBAPIError):
            db.session.execute(text(statement))
        db.session.rollback()


def test_auditors_and_administrators_read_the_admin_log_others_do_not(pages, users):
    agency = db.session.scalar(select(Agency).where(Agency.name == "测试民政局"))
    pages.as_("admin").post(f"/admin/agencies/{agency.id}", data={"name": "改名民政局", "kind": "civil_affairs",
                                                                  "region": "", "doc_prefix": ""})
    html = pages.html("auditor", "/admin/log")
    assert "data-admin-log" in html and "改名民政局" in html
    assert 'href="/admin/log"' in html  # in the auditor's menu
    only = pages.html("auditor", "/admin/log?type=agency")
    assert set(re.findall(r'data-object-type="([a-z_]+)"', only)) == {"agency"}
    assert pages.html("admin", "/admin/log?type=user")
    pages.html("auditor", "/admin/log?page=1")
    pages.html("auditor", "/admin/log?type=wage")  # nothing of the kind: an empty first page
    pages.html("auditor", "/admin/log?page=999", status=404)
    pages.html("auditor", "/admin/log?type=bogus", status=404)
    pages.html("auditor", "/admin/log?page=abc", status=400)
    pages.html("auditor", "/admin/log?page=99999999999999999999", status=400)
    pages.html("auditor", "/admin/", status=403)  # auditors read the log, they do not administer
    pages.html("examiner", "/admin/log", status=403)
    pages.html("supervisor", "/admin/log", status=403)
    assert pages.anonymous().get("/admin/log").status_code == 302  # to the login


def test_the_log_pages_through_every_row(users):
    total = len(_log())
    rows, counted = changes.log_page(page=1, per_page=10)
    assert counted == total and len(rows) == min(10, total)
    assert rows[0].id == max(r.id for r in _log())  # newest first
    last = (total + 9) // 10
    assert changes.log_page(page=last, per_page=10)[0]
    with pytest.raises(WorkflowError) as beyond:
        changes.log_page(page=last + 1, per_page=10)
    assert beyond.value.status == 404


def test_an_admin_may_not_set_the_password_of_an_unenrolled_account_that_holds_roles(pages, users):
    """Else he would enrol his own phone as that user and read what the roles give, alone."""
    newcomer = create_user(username="newcomer", password="long-enough-pw", full_name="新同事", sex="F",
                           roles=["examiner"], agency=users["examiner"].agency)
    response = pages.as_("admin").post(f"/admin/users/{newcomer.id}",
                                       data=_form(newcomer, password="chosen-by-admin-1"))
    assert response.status_code == 422 and "is-invalid" in response.get_data(as_text=True)
    # the user's own password still works
    client = pages.anonymous()
    assert client.post("/login", data={"username": "newcomer", "password": "long-enough-pw"}) \
        .headers["Location"].endswith("/login/enrol")
    assert _log("user", object_id=str(newcomer.id), action="update") == []
    # enrolled accounts may get a new password (the second factor still guards them)
    enrolled = users["examiner"]
    assert pages.as_("admin").post(f"/admin/users/{enrolled.id}",
                                   data=_form(enrolled, password="chosen-by-admin-1")).status_code == 302


def test_roles_wait_until_the_owner_set_up_the_second_factor_and_the_approver_sees_how(pages, users, case):
    """The administrator who chose an account's first password could otherwise enrol his own phone
    and have the roles approved: approval waits for the enrolment, and shows when and from where it
    happened and that an administrator chose the password, to confirm with the person."""
    centre = db.session.scalar(select(Agency).where(Agency.name == "测试一站式中心"))
    pages.as_("admin").post("/admin/users/new", data={
        "username": "newbie", "full_name": "新同事", "sex": "F", "agency_id": str(centre.id),
        "roles": ["examiner"], "aid_level": "", "email": "", "password": "long-enough-pw"})
    newbie = db.session.scalar(select(User).where(User.username == "newbie"))
    (request,) = _pending(newbie)
    with pytest.raises(WorkflowError) as refused:
        requests.decide(users["admin_2"], request, approve=True)
    assert refused.value.code == "not_enrolled" and _pending(newbie) == [request]
    assert "data-not-enrolled" in pages.html("admin_2", "/admin/")
    browser = pages.anonymous()  # newbie's first login: enrolment
    browser.post("/login", data={"username": "newbie", "password": "long-enough-pw"})
    secret = re.search(r"data-otp-secret>([A-Z2-7]+)<", browser.get("/login/enrol").get_data(as_text=True)).group(1)
    assert browser.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
    listing = pages.html("admin_2", "/admin/")
    assert "data-enrolled" in listing and "127.0.0.1" in listing and "data-password-by-admin" in listing
    assert pages.as_("admin_2").post(f"/admin/requests/{request.id}/approve").status_code == 302
    assert _fresh(newbie).roles == {"examiner"}
