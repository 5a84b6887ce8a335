"""API test helpers on top of the shared fixtures (`client`, `users`, `make_case`, `api_token`)."""
from __future__ import annotations

import pytest


class Api:
    """A thin JSON client: `api.get(path, as_=role)`, `api.fire(case, trigger, as_=role, data=...)`.

    Tokens are issued through POST /api/v1/tokens once per username and reused.
    """

    prefix = "/api/v1"

    def __init__(self, client, api_token):
        self.client = client
        self._api_token = api_token
        self._headers: dict[str, dict] = {}

    def headers(self, username: str) -> dict:
        if username not in self._headers:
            self._headers[username] = self._api_token(username)
        return self._headers[username]

    def get(self, path: str, as_: str, **kwargs):
        return self.client.get(self.prefix + path, headers=self.headers(as_), **kwargs)

    def post(self, path: str, as_: str, json=None, **kwargs):
        return self.client.post(self.prefix + path, headers=self.headers(as_), json=json, **kwargs)

    def case(self, case_id: int, as_: str) -> dict:
        response = self.get(f"/cases/{case_id}", as_)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def fire(self, case_id: int, trigger: str, as_: str, data: dict | None = None, version=None):
        """POST an action; `version` defaults to the one the caller reads now."""
        if version is None:
            version = self.case(case_id, as_)["version"]
        body = {"version": version}
        if data is not None:
            body["data"] = data
        return self.post(f"/cases/{case_id}/actions/{trigger}", as_, json=body)

    def ok(self, case_id: int, trigger: str, as_: str, data: dict | None = None) -> dict:
        response = self.fire(case_id, trigger, as_, data)
        assert response.status_code == 200, (trigger, response.get_json())
        return response.get_json()

    @staticmethod
    def error(response, status: int, code: str | None = None) -> dict:
        return assert_error(response, status, code)

    def tasks(self, as_: str, scope: str = "mine") -> list[dict]:
        response = self.get(f"/tasks?scope={scope}", as_)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["tasks"]


@pytest.fixture
def api(client, users, api_token) -> Api:
    return Api(client, api_token)


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is a JSON error of that status (and code) with a message."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.is_json, response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) >= {"error", "message"} and body["message"], body
    if code is not None:
        assert body["error"] == code, body
    if status == 422:
        assert isinstance(body.get("fields"), dict), body
    return body
