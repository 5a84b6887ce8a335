"""Page-test helpers on top of the shared fixtures (the `pages` fixture): one logged-in test client
per user, and signing in with the second factor (every test user is enrolled with a known secret)."""
from __future__ import annotations

import base64
import hashlib
import re

import pyotp
from sqlalchemy import select, update

from workflow.admin.models import User
from workflow.admin.signin import enrol_with
from workflow.core.extensions import db

PASSWORD = "password-123"  # the password tests/conftest.py gives every user


def otp_secret(username: str) -> str:
    """The TOTP secret tests/conftest.py enrols `username` with."""
    return base64.b32encode(hashlib.sha1(f"otp:{username}".encode()).digest()).decode()


def fresh_code(username: str) -> str:
    """A code the server accepts now, for a user enrolled with `otp_secret(username)` (enrolled
    here if a test created the user without). Tests sign in far more often than people do: when this
    window's code was used already, it is as if the next window had come (the replay rule itself
    is tested in tests/security/test_second_factor.py)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is not None and not user.enrolled:
        enrol_with(user, otp_secret(username))
    db.session.execute(update(User).where(User.username == username).values(otp_last_counter=None))
    db.session.commit()
    return pyotp.TOTP(otp_secret(username)).now()


def sign_in(client, username: str, password: str = PASSWORD):
    """Password, then the code: the response of the code step (302 to the inbox when it worked)."""
    code = fresh_code(username)
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code"), \
        (response.status_code, response.get_data(as_text=True)[:300])
    return client.post("/login/code", data={"code": code})


class _Client:
    """A test client whose every request runs in a fresh app context.

    The `app` fixture keeps one app context open for the whole test, and requests reuse it, so
    `g` (where Flask-Login caches `current_user`) would leak from one client's request to the next.
    """

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.post(*args, **kwargs)


class Pages:
    """`pages.as_("examiner")` is a test client logged in as that user (CSRF is off in tests)."""

    def __init__(self, app):
        self.app = app
        self._clients: dict = {}

    def anonymous(self) -> _Client:
        return _Client(self.app)

    def as_(self, username: str) -> _Client:
        if username not in self._clients:
            client = _Client(self.app)
            response = sign_in(client, username)
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
            self._clients[username] = client
        return self._clients[username]

    def html(self, username: str, url: str, status: int = 200) -> str:
        response = self.as_(username).get(url)
        assert response.status_code == status, (url, response.status_code)
        return response.get_data(as_text=True)

    def version(self, username: str, case_id: int) -> int:
        """The case version as the case page shows it (what a user's forms carry)."""
        match = re.search(r'data-version="(\d+)"', self.html(username, f"/cases/{case_id}"))
        assert match
        return int(match.group(1))

    def act(self, username: str, case_id: int, trigger: str, data: dict | None = None, *, version=None,
            status: int = 302):
        """POST an action the way its form on the case page does: fields prefixed by the trigger."""
        if version is None:
            version = self.version(username, case_id)
        form = {f"{trigger}-version": str(version)}
        for key, value in (data or {}).items():
            form[f"{trigger}-{key}"] = value
        response = self.as_(username).post(f"/cases/{case_id}/actions/{trigger}", data=form)
        assert response.status_code == status, (trigger, response.status_code,
                                                _alerts(response.get_data(as_text=True)))
        return response


def _alerts(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", m) for m in re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)]
