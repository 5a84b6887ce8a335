"""Sessions and tokens that end: a copied cookie is dead after logout, password change,
deactivation or an administrator's "end all sessions"; idle and absolute lifetimes; my sessions and
tokens on the account page; API tokens listed and revoked."""
from __future__ import annotations

import datetime as dt

import page_clients
import pytest
import time_machine
from flask import session as flask_session
from sqlalchemy import event

from workflow.admin import sessions
from workflow.admin.models import ApiToken, User, UserSession
from workflow.admin.users import update_user
from workflow.core import settings
from workflow.core.extensions import db


def _copy_cookie(source, target) -> None:
    """What a thief does: the same session cookie in another browser."""
    cookie = source.client.get_cookie("session")
    target.client.set_cookie("session", cookie.value)


@pytest.fixture
def case_id(make_case):
    return make_case("registered").id


def _browser_and_copy(pages, username: str):
    browser = pages.as_(username)
    thief = pages.anonymous()
    _copy_cookie(browser, thief)
    return browser, thief


def test_copied_cookie_works_until_logout_then_goes_to_login(pages, users, case_id):
    browser, thief = _browser_and_copy(pages, "examiner")
    assert thief.get(f"/cases/{case_id}").status_code == 200  # the cookie is the session
    assert browser.post("/logout").status_code == 302
    replay = thief.get(f"/cases/{case_id}")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    row = db.session.query(UserSession).filter_by(user_id=users["examiner"].id).one()
    assert row.end_reason == "logout"


def test_password_change_ends_other_sessions_and_tokens_but_not_this_browser(pages, users, case_id, api_token):
    browser, thief = _browser_and_copy(pages, "examiner")
    other_browser = page_clients._Client(pages.app)
    page_clients.sign_in(other_browser, "examiner")
    headers = api_token("examiner")
    response = browser.post("/account/password", data={"current_password": page_clients.PASSWORD,
                                                       "new_password": "a-new-password-1", "repeat": "a-new-password-1"})
    assert response.status_code == 302
    assert browser.get(f"/cases/{case_id}").status_code == 200  # goes on, in a new session
    for client in (thief, other_browser):
        assert client.get(f"/cases/{case_id}").status_code == 302
    assert pages.app.test_client().get("/api/v1/tasks", headers=headers).status_code == 401
    assert db.session.query(ApiToken).count() == 0


def test_password_change_needs_the_current_password(pages, users):
    browser = pages.as_("examiner")
    wrong = browser.post("/account/password", data={"current_password": "not-it-at-all",
                                                    "new_password": "a-new-password-1", "repeat": "a-new-password-1"})
    assert wrong.status_code == 422 and "is-invalid" in wrong.get_data(as_text=True)
    differ = browser.post("/account/password", data={"current_password": page_clients.PASSWORD,
                                                     "new_password": "a-new-password-1", "repeat": "another-one-22"})
    assert differ.status_code == 422
    assert browser.get("/inbox").status_code == 200  # nothing ended


def test_admin_password_reset_and_deactivation_end_sessions(pages, users, case_id):
    _browser, thief = _browser_and_copy(pages, "examiner")
    user = db.session.get(User, users["examiner"].id)
    update_user(user, full_name=user.full_name, sex=user.sex, roles=sorted(user.roles), agency=user.agency,
                active=True, password="set-by-the-admin-1")
    assert thief.get(f"/cases/{case_id}").status_code == 302

    _browser, thief = _browser_and_copy(pages, "interviewer")
    user = db.session.get(User, users["interviewer"].id)
    update_user(user, full_name=user.full_name, sex=user.sex, roles=sorted(user.roles), agency=user.agency,
                active=False)
    assert thief.get("/inbox").status_code == 302
    assert db.session.query(UserSession).filter_by(user_id=user.id).one().end_reason == "deactivated"


def test_end_all_sessions(pages, users):
    _browser, thief = _browser_and_copy(pages, "examiner")
    sessions.end_all(db.session.get(User, users["examiner"].id), "admin")
    db.session.commit()
    assert thief.get("/inbox").status_code == 302


def test_idle_timeout_and_absolute_lifetime(pages, users):
    browser = pages.as_("examiner")
    idle = settings.get("session_idle_minutes")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=idle + 1)):
        assert browser.get("/inbox").status_code == 302
    assert db.session.query(UserSession).filter_by(user_id=users["examiner"].id).one().end_reason == "idle"

    browser = page_clients._Client(pages.app)
    page_clients.sign_in(browser, "interviewer")
    start = dt.datetime.now(dt.UTC)
    for minutes in range(0, settings.get("session_max_hours") * 60, idle - 1):  # active all along
        with time_machine.travel(start + dt.timedelta(minutes=minutes)):
            assert browser.get("/inbox").status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=settings.get("session_max_hours"), minutes=1)):
        assert browser.get("/inbox").status_code == 302


def test_account_page_lists_and_ends_my_sessions(pages, users):
    browser = pages.as_("examiner")
    elsewhere = page_clients._Client(pages.app)
    page_clients.sign_in(elsewhere, "examiner")
    page = browser.get("/account").get_data(as_text=True)
    rows = db.session.query(UserSession).filter_by(user_id=users["examiner"].id).order_by(UserSession.id).all()
    assert len(rows) == 2 and all(f'data-session="{r.id}"' in page for r in rows)
    assert browser.post(f"/account/sessions/{rows[1].id}/end").status_code == 302
    assert elsewhere.get("/inbox").status_code == 302 and browser.get("/inbox").status_code == 200
    # another user's session is not mine to end
    other = pages.as_("interviewer")
    theirs = db.session.query(UserSession).filter_by(user_id=users["interviewer"].id).one()
    assert browser.post(f"/account/sessions/{theirs.id}/end").status_code == 404
    assert other.get("/inbox").status_code == 200


def test_tokens_listed_and_revoked(client, users, api, api_token):
    first, second = api_token("examiner"), api_token("examiner")
    theirs = api_token("interviewer")
    listed = client.get("/api/v1/tokens", headers=first).get_json()["tokens"]
    assert len(listed) == 2 and sum(t["current"] for t in listed) == 1
    assert "token" not in listed[0] and "token_hash" not in listed[0]
    other_id = next(t["id"] for t in listed if not t["current"])
    interviewer_id = client.get("/api/v1/tokens", headers=theirs).get_json()["tokens"][0]["id"]
    api.error(client.delete(f"/api/v1/tokens/{interviewer_id}", headers=first), 404, "not_found")
    assert client.delete(f"/api/v1/tokens/{other_id}", headers=first).status_code == 204
    api.error(client.get("/api/v1/tasks", headers=second), 401, "unauthorized")
    assert client.delete("/api/v1/tokens/current", headers=first).status_code == 204
    api.error(client.get("/api/v1/tasks", headers=first), 401, "unauthorized")
    assert client.get("/api/v1/tasks", headers=theirs).status_code == 200


def test_token_lifetime_is_a_setting(client, users, api_token):
    headers = api_token("examiner")
    hours = settings.get("api_token_hours")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours, minutes=1)):
        assert client.get("/api/v1/tasks", headers=headers).status_code == 401


def test_page_logout_keeps_api_tokens(pages, users, api_token):
    headers = api_token("examiner")
    pages.as_("examiner").post("/logout")
    assert pages.app.test_client().get("/api/v1/tasks", headers=headers).status_code == 200


def test_loading_the_signed_in_user_costs_three_statements(pages, users):
    """It runs at the start of every signed-in request: the session row with its user, the roles, and the two lifetime settings."""
    browser = pages.as_("examiner")
    app = pages.app
    sid = app.session_interface.get_signing_serializer(app).loads(browser.client.get_cookie("session").value)["sid"]
    statements, user_id = [], users["examiner"].id

    def count(conn, cursor, statement, *args):  # noqa: ARG001
        statements.append(statement)

    with app.test_request_context("/inbox"):
        db.session.remove()
        flask_session["sid"] = sid
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            user = sessions.load_user(str(user_id))
            assert user.username == "examiner" and user.roles == {"examiner"}
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 3, statements
