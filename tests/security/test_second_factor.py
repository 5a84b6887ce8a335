"""The second factor (TOTP, RFC 6238): enrolment on the first login, login with a code, no replay,
single-use recovery codes, and the API's `otp`."""
from __future__ import annotations

import datetime as dt
import re

import page_clients
import pyotp
import pytest
import time_machine
from page_clients import PASSWORD
from sqlalchemy import select, update

from workflow.admin import signin
from workflow.admin.models import LoginAttempt, RecoveryCode, User, UserSession
from workflow.admin.users import agency_by_name, create_user
from workflow.core.extensions import db


@pytest.fixture
def newcomer(users):
    """A user created by an administrator, who has not logged in yet."""
    return create_user(username="newcomer", password="long-enough-pw", full_name="新同事", sex="F",
                       roles=["examiner"], agency=agency_by_name("测试一站式中心"))


def _secret_on_page(html: str) -> str:
    return re.search(r"data-otp-secret>([A-Z2-7]+)<", html).group(1)


def _outcomes(username: str) -> list[str]:
    return [a.outcome for a in db.session.query(LoginAttempt).filter_by(username=username).order_by(LoginAttempt.id)]


def test_first_login_enrols_with_qr_code_and_recovery_codes(pages, newcomer):
    client = pages.anonymous()
    response = client.post("/login", data={"username": "newcomer", "password": "long-enough-pw"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/enrol")
    assert client.get("/inbox").status_code == 302  # not logged in before the first code
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = _secret_on_page(page)
    assert "<svg" in page  # the QR code, inline
    db.session.refresh(newcomer)
    assert newcomer.otp_secret is None and not newcomer.enrolled  # nothing stored before confirmation

    wrong = client.post("/login/enrol", data={"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert wrong.status_code == 422 and "is-invalid" in wrong.get_data(as_text=True)
    db.session.refresh(newcomer)
    assert newcomer.otp_secret is None and newcomer.failed_logins == 1  # nothing half-saved; it counts
    assert db.session.query(RecoveryCode).filter_by(user_id=newcomer.id).count() == 0

    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(newcomer)
    assert newcomer.enrolled and newcomer.failed_logins == 0
    assert bytes(newcomer.otp_secret).find(secret.encode()) == -1  # sealed at rest
    stored = {r.code_hash for r in db.session.query(RecoveryCode).filter_by(user_id=newcomer.id)}
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes}  # only hashes
    assert client.get("/inbox").status_code == 200
    assert _outcomes("newcomer") == ["password_ok", "wrong_code", "enrolled"]


def test_enrolment_page_needs_the_password_first(pages, newcomer):
    client = pages.anonymous()
    assert client.get("/login/enrol").headers["Location"].endswith("/login")
    assert client.post("/login/enrol", data={"code": "123456"}).headers["Location"].endswith("/login")
    assert client.post("/login/code", data={"code": "123456"}).headers["Location"].endswith("/login")


def test_login_with_a_code(pages, users):
    client = pages.anonymous()
    first = client.post("/login", data={"username": "examiner", "password": PASSWORD})
    assert first.headers["Location"].endswith("/login/code")
    assert client.get("/inbox").status_code == 302  # the password alone opens nothing
    response = client.post("/login/code", data={"code": page_clients.fresh_code("examiner")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")
    assert client.get("/inbox").status_code == 200
    assert db.session.query(UserSession).filter_by(user_id=users["examiner"].id).count() == 1
    assert _outcomes("examiner")[-2:] == ["password_ok", "ok"]


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x", "0" * 20])
def test_malformed_or_wrong_codes_are_refused_and_counted(pages, users, code):
    client = pages.anonymous()
    client.post("/login", data={"username": "examiner", "password": PASSWORD})
    response = client.post("/login/code", data={"code": code})
    assert response.status_code == 422 and "is-invalid" in response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302
    user = db.session.get(User, users["examiner"].id)
    db.session.refresh(user)
    assert user.failed_logins == (1 if code else 0)  # an empty field is a form error, not an attempt


def test_a_code_is_accepted_once(pages, users):
    code = page_clients.fresh_code("examiner")
    first, second = pages.anonymous(), pages.anonymous()
    for client in (first, second):
        client.post("/login", data={"username": "examiner", "password": PASSWORD})
    assert first.post("/login/code", data={"code": code}).status_code == 302
    replay = second.post("/login/code", data={"code": code})
    assert replay.status_code == 422 and "is-invalid" in replay.get_data(as_text=True)
    assert second.get("/inbox").status_code == 302
    assert _outcomes("examiner")[-1] == "replayed_code"


def test_an_earlier_code_after_a_later_one_is_a_replay(pages, users):
    totp = pyotp.TOTP(page_clients.otp_secret("examiner"))
    now = dt.datetime.now(dt.UTC)
    page_clients.fresh_code("examiner")
    client = pages.anonymous()
    client.post("/login", data={"username": "examiner", "password": PASSWORD})
    assert client.post("/login/code", data={"code": totp.at(now + dt.timedelta(seconds=30))}).status_code == 302
    other = pages.anonymous()
    other.post("/login", data={"username": "examiner", "password": PASSWORD})
    assert other.post("/login/code", data={"code": totp.at(now)}).status_code == 422  # the window before


def test_expired_code_is_refused(pages, users):
    stale = pyotp.TOTP(page_clients.otp_secret("examiner")).at(dt.datetime.now(dt.UTC)
                                                                 - dt.timedelta(minutes=3))
    page_clients.fresh_code("examiner")
    client = pages.anonymous()
    client.post("/login", data={"username": "examiner", "password": PASSWORD})
    assert client.post("/login/code", data={"code": stale}).status_code == 422


def test_pending_login_expires(pages, users):
    client = pages.anonymous()
    client.post("/login", data={"username": "examiner", "password": PASSWORD})
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)):
        response = client.post("/login/code", data={"code": page_clients.fresh_code("examiner")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_recovery_code_is_single_use(pages, newcomer):
    client = pages.anonymous()
    client.post("/login", data={"username": "newcomer", "password": "long-enough-pw"})
    secret = _secret_on_page(client.get("/login/enrol").get_data(as_text=True))
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>",
                       client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()}).get_data(as_text=True))
    client.post("/logout")

    phone_lost = pages.anonymous()
    phone_lost.post("/login", data={"username": "newcomer", "password": "long-enough-pw"})
    used = phone_lost.post("/login/code", data={"code": codes[3].upper().replace("-", " ")})  # as people type it
    assert used.status_code == 302 and phone_lost.get("/inbox").status_code == 200
    again = pages.anonymous()
    again.post("/login", data={"username": "newcomer", "password": "long-enough-pw"})
    assert again.post("/login/code", data={"code": codes[3]}).status_code == 422
    assert again.post("/login/code", data={"code": codes[4]}).status_code == 302
    assert db.session.query(RecoveryCode).filter_by(user_id=newcomer.id).filter(
        RecoveryCode.used_at.isnot(None)).count() == 2


def test_api_token_needs_the_code(client, users, api):
    credentials = {"username": "examiner", "password": PASSWORD}
    api.error(client.post("/api/v1/tokens", json=credentials), 401, "otp_required")
    api.error(client.post("/api/v1/tokens", json={**credentials, "otp": "000000x"}), 401, "unauthorized")
    api.error(client.post("/api/v1/tokens", json={**credentials, "otp": 123456}), 422, "invalid")
    code = page_clients.fresh_code("examiner")
    assert client.post("/api/v1/tokens", json={**credentials, "otp": code}).status_code == 201
    api.error(client.post("/api/v1/tokens", json={**credentials, "otp": code}), 401, "unauthorized")  # replay


def test_api_token_before_enrolment_is_refused(client, newcomer, api):
    body = api.error(client.post("/api/v1/tokens", json={"username": "newcomer", "password": "long-enough-pw",
                                                         "otp": "123456"}), 401, "otp_not_enrolled")
    assert body["message"]


def test_full_width_digits_are_the_same_code(pages, client, users):
    """A Chinese input method in full-width mode types １２３４５６."""
    full_width = page_clients.fresh_code("examiner").translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    browser = pages.anonymous()
    browser.post("/login", data={"username": "examiner", "password": PASSWORD})
    assert browser.post("/login/code", data={"code": full_width}).status_code == 302
    code = page_clients.fresh_code("interviewer").translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    assert client.post("/api/v1/tokens", json={"username": "interviewer", "password": PASSWORD,
                                               "otp": code}).status_code == 201
    other = pages.anonymous()
    other.post("/login", data={"username": "social_worker", "password": PASSWORD})
    assert other.post("/login/code", data={"code": "١٢٣٤٥٦"}).status_code == 422  # other digits: a wrong code


def test_a_code_taken_meanwhile_by_another_request_is_a_replay(pages, users):
    """Two requests with one code at the same moment: the database takes the step once. Here the
    other request has just taken it, while this one's copy of the user still says it is free."""
    code = page_clients.fresh_code("examiner")
    user = db.session.get(User, users["examiner"].id)
    step = pyotp.TOTP(page_clients.otp_secret("examiner")).timecode(dt.datetime.now(dt.timezone.utc))
    db.session.execute(update(User).where(User.id == user.id).values(otp_last_counter=step + 1),
                       execution_options={"synchronize_session": False})
    assert user.otp_last_counter is None  # the stale copy
    with pytest.raises(signin.LoginRefused):
        signin.check_code(user, code, "page")
    db.session.rollback()


def test_failures_at_the_same_moment_all_count(users):
    user = db.session.get(User, users["examiner"].id)
    db.session.execute(update(User).where(User.id == user.id).values(failed_logins=3),  # counted meanwhile
                       execution_options={"synchronize_session": False})
    assert user.failed_logins == 0
    with pytest.raises(signin.LoginRefused):
        signin.check_password("examiner", "wrong-wrong", "page")
    assert db.session.scalar(select(User.failed_logins).where(User.id == user.id)) == 4


def test_a_pending_login_ends_when_the_password_changes(pages, users):
    client = pages.anonymous()
    client.post("/login", data={"username": "examiner", "password": PASSWORD})
    user = db.session.get(User, users["examiner"].id)
    user.password_hash = signin.hash_password("changed-by-admin-1")
    db.session.commit()
    response = client.post("/login/code", data={"code": page_clients.fresh_code("examiner")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/inbox").status_code == 302
