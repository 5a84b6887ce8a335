"""Lock-out per account (exponential back-off after N failures, lifted by time or an administrator)
and rate limits per client address on /login, the code step, /api/v1/tokens and /verify."""
from __future__ import annotations

import datetime as dt

import page_clients
import pytest
import time_machine
from page_clients import PASSWORD

from workflow import create_app
from workflow.admin import signin
from workflow.admin.models import LoginAttempt, User
from workflow.core import settings
from workflow.core.extensions import db
from workflow.core.models import utcnow


def _user(username: str) -> User:
    user = db.session.query(User).filter_by(username=username).one()
    db.session.refresh(user)
    return user


def _wrong_passwords(client, username: str, times: int):
    return [client.post("/login", data={"username": username, "password": "wrong-password"}) for _ in range(times)]


def test_locked_after_n_failures_even_with_the_right_password(pages, users):
    client = pages.anonymous()
    answers = _wrong_passwords(client, "examiner", 5)
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 423]
    assert _user("examiner").locked_until is not None
    right = client.post("/login", data={"username": "examiner", "password": PASSWORD})
    assert right.status_code == 423 and client.get("/inbox").status_code == 302
    outcomes = [a.outcome for a in db.session.query(LoginAttempt).filter_by(username="examiner")]
    assert outcomes == ["wrong_password"] * 5 + ["locked"]


def test_lock_lifts_after_its_period_and_doubles_on_further_failures(pages, users):
    client = pages.anonymous()
    _wrong_passwords(client, "examiner", 5)
    first_lock = _user("examiner").locked_until
    assert first_lock - utcnow() <= dt.timedelta(minutes=settings.get("login_lock_minutes"))
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)):
        _wrong_passwords(client, "examiner", 1)  # the sixth failure: twice as long
        second_lock = _user("examiner").locked_until
        assert dt.timedelta(minutes=9) < second_lock - utcnow() <= dt.timedelta(minutes=10)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=17)):
        assert page_clients.sign_in(client, "examiner").status_code == 302
        assert client.get("/inbox").status_code == 200
    assert _user("examiner").failed_logins == 0 and _user("examiner").locked_until is None


def test_wrong_codes_count_toward_the_lock(pages, users):
    client = pages.anonymous()
    client.post("/login", data={"username": "examiner", "password": PASSWORD})
    answers = [client.post("/login/code", data={"code": "000000x"}) for _ in range(5)]
    assert [a.status_code for a in answers[:4]] == [422] * 4
    assert answers[4].status_code == 302 and answers[4].headers["Location"].endswith("/login")  # locked: start over
    assert _user("examiner").locked_until is not None
    assert client.post("/login", data={"username": "examiner", "password": PASSWORD}).status_code == 423


def test_api_answers_423_with_retry_after_when_locked(client, users, api):
    for _ in range(4):
        api.error(client.post("/api/v1/tokens", json={"username": "examiner", "password": "nope-nope"}), 401)
    locked = api.error(client.post("/api/v1/tokens", json={"username": "examiner", "password": "nope-nope"}),
                       423, "account_locked")
    response = client.post("/api/v1/tokens", json={"username": "examiner", "password": PASSWORD,
                                                   "otp": page_clients.fresh_code("examiner")})
    api.error(response, 423, "account_locked")
    assert 0 < int(response.headers["Retry-After"]) <= 5 * 60 + 1
    assert locked["message"]


def test_admin_unlock_lifts_the_lock(pages, users):
    client = pages.anonymous()
    _wrong_passwords(client, "examiner", 5)
    signin.unlock(_user("examiner"))
    db.session.commit()
    assert page_clients.sign_in(client, "examiner").status_code == 302


def test_unknown_usernames_lock_nothing_and_are_recorded_as_keyed_hashes(pages, users):
    client = pages.anonymous()
    _wrong_passwords(client, "nobody-here", 7)
    attempts = db.session.query(LoginAttempt).filter_by(outcome="unknown_user").all()
    assert len(attempts) == 7 and len({a.username for a in attempts}) == 1  # one name, tried 7 times
    assert attempts[0].user_id is None and "nobody" not in attempts[0].username  # kept as a keyed hash


LIMITS = {"RATE_LIMIT_LOGIN": "3 per minute", "RATE_LIMIT_TOKENS": "3 per minute", "RATE_LIMIT_VERIFY": "3 per minute"}


@pytest.mark.app_config(**LIMITS)
@pytest.mark.parametrize("method, path, body", [
    ("post", "/login", {"data": {"username": "nobody", "password": "whatever-1"}}),
    ("post", "/login/code", {"data": {"code": "123456"}}),
    ("post", "/login/enrol", {"data": {"code": "123456"}}),
    ("post", "/verify", {"data": {}}),
    ("get", "/verify/ABCDEFGH", {}),
])
def test_pages_are_rate_limited_per_address(pages, users, method, path, body):
    client = pages.anonymous()
    for _ in range(3):
        assert getattr(client, method)(path, **body).status_code != 429
    limited = getattr(client, method)(path, **body)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "data-error-message" in limited.get_data(as_text=True)  # the error page, in words
    # another address is not limited
    other = getattr(client, method)(path, environ_base={"REMOTE_ADDR": "10.0.0.9"}, **body)
    assert other.status_code != 429


@pytest.mark.app_config(**LIMITS)
def test_token_endpoint_is_rate_limited_per_address(client, users, api):
    for _ in range(3):
        api.error(client.post("/api/v1/tokens", json={"username": "nobody", "password": "x"}), 401)
    limited = api.error(client.post("/api/v1/tokens", json={"username": "nobody", "password": "x"}),
                        429, "rate_limited")
    assert limited["message"]
    response = client.post("/api/v1/tokens", json={"username": "nobody", "password": "x"})
    assert int(response.headers["Retry-After"]) > 0


def test_limits_are_shared_through_redis(app, users, redis_url):
    """With REDIS_URL the counts live in Redis: a second serving process (a new app, a new
    connection) sees the attempts the first one counted."""
    base = {key: app.config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED",
                                             "ARGON2_TIME_COST", "ARGON2_MEMORY_COST")}
    shared = {**base, **LIMITS, "RATELIMIT_STORAGE_URI": redis_url}
    first = create_app(shared)
    for _ in range(3):
        assert first.test_client().post("/login", data={"username": "nobody", "password": "x-x-x-x"}).status_code == 200
    second = create_app(shared)
    assert second.test_client().post("/login", data={"username": "nobody", "password": "x-x-x-x"}).status_code == 429


def test_wrong_current_passwords_on_the_account_page_count_toward_the_lock(pages, users):
    browser = pages.as_("examiner")
    for _ in range(5):
        browser.post("/account/password", data={"current_password": "guess-guess", "new_password": "a-new-password-1",
                                                "repeat": "a-new-password-1"})
    assert _user("examiner").locked_until is not None
    assert pages.anonymous().post("/login", data={"username": "examiner", "password": PASSWORD}).status_code == 423


@pytest.mark.app_config(**LIMITS)
def test_the_steps_of_a_login_share_one_count_per_address(pages, users):
    client = pages.anonymous()
    client.post("/login", data={"username": "nobody", "password": "whatever-1"})
    client.post("/login/code", data={"code": "123456"})
    client.post("/login/enrol", data={"code": "123456"})
    assert client.post("/login", data={"username": "nobody", "password": "whatever-1"}).status_code == 429


def test_a_nul_character_in_a_form_is_a_bad_request(pages, users):
    response = pages.anonymous().post("/login", data={"username": "exam\x00iner", "password": PASSWORD})
    assert response.status_code == 400 and b"data-error-message" in response.data
    assert db.session.query(LoginAttempt).count() == 0


@pytest.mark.app_config(**LIMITS, PROXY_HOPS=1)
def test_behind_a_proxy_limits_count_the_forwarded_address(pages, users):
    client = pages.anonymous()
    for _ in range(3):
        client.post("/login", data={"username": "nobody", "password": "whatever-1"},
                    headers={"X-Forwarded-For": "203.0.113.7"})
    blocked = client.post("/login", data={"username": "nobody", "password": "whatever-1"},
                          headers={"X-Forwarded-For": "203.0.113.7"})
    other = client.post("/login", data={"username": "nobody", "password": "whatever-1"},
                        headers={"X-Forwarded-For": "198.51.100.2"})
    assert (blocked.status_code, other.status_code) == (429, 200)
    assert {a.address for a in db.session.query(LoginAttempt)} == {"203.0.113.7", "198.51.100.2"}


@pytest.mark.app_config(**LIMITS)
def test_without_proxy_hops_a_forwarded_address_is_not_believed(pages, users):
    client = pages.anonymous()
    answers = [client.post("/login", data={"username": "nobody", "password": "whatever-1"},
                           headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(4)]
    assert answers[-1] == 429
