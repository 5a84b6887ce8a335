"""Tokens, Bearer authentication and JSON errors for anything under /api/v1."""
from __future__ import annotations

import datetime as dt

import page_clients
import pytest

from tests.conftest import PASSWORD
from workflow.admin.models import ApiToken
from workflow.core.extensions import db


def test_issue_token_and_use_it(client, users):
    response = client.post("/api/v1/tokens", json={"username": "examiner", "password": PASSWORD,
                                                   "otp": page_clients.fresh_code("examiner")})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token"] and body["token_type"] == "Bearer"
    expires = dt.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert expires > dt.datetime.now(dt.UTC)
    assert db.session.query(ApiToken).count() == 1
    assert body["token"] not in {t.token_hash for t in db.session.query(ApiToken)}  # only the hash is stored
    ok = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {body['token']}"})
    assert ok.status_code == 200 and ok.get_json()["tasks"] == []


@pytest.mark.parametrize("credentials", [
    {"username": "examiner", "password": "wrong-password"},
    {"username": "nobody", "password": PASSWORD},
])
def test_bad_credentials_are_401(client, users, api, credentials):
    body = api.error(client.post("/api/v1/tokens", json=credentials), 401, "unauthorized")
    assert "token" not in body


def test_token_request_needs_username_and_password(client, users, api):
    body = api.error(client.post("/api/v1/tokens", json={"username": "examiner"}), 422, "invalid")
    assert set(body["fields"]) == {"password"}
    api.error(client.post("/api/v1/tokens", data="username=examiner", content_type="text/plain"), 400, "bad_request")


def test_deactivated_user_gets_no_token(client, users, api):
    users["examiner"].active = False
    db.session.commit()
    api.error(client.post("/api/v1/tokens", json={"username": "examiner", "password": PASSWORD}), 401)


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic ZXhhbWluZXI6eA==", "token"])
def test_missing_or_invalid_token_is_401(client, users, api, header):
    headers = {"Authorization": header} if header else {}
    for method, path in (("get", "/api/v1/tasks"), ("get", "/api/v1/workflow"), ("get", "/api/v1/cases"),
                         ("get", "/api/v1/cases/1"), ("post", "/api/v1/cases"),
                         ("post", "/api/v1/cases/1/actions/register")):
        response = getattr(client, method)(path, headers=headers, json={})
        api.error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_401(client, users, api, api_token):
    headers = api_token("examiner")
    db.session.query(ApiToken).update({"expires_at": dt.datetime(2000, 1, 1)})
    db.session.commit()
    api.error(client.get("/api/v1/tasks", headers=headers), 401, "unauthorized")


def test_deactivating_a_user_kills_their_tokens(client, users, api, api_token):
    headers = api_token("examiner")
    users["examiner"].active = False
    db.session.commit()
    api.error(client.get("/api/v1/tasks", headers=headers), 401, "unauthorized")


def test_unknown_api_paths_and_methods_are_json(client, users, api):
    api.error(client.get("/api/v1/nothing-here"), 404, "not_found")
    api.error(client.get("/api/v1/cases/abc", headers=api.headers("examiner")), 404)
    api.error(client.put("/api/v1/tokens"), 405, "method_not_allowed")
    api.error(client.delete("/api/v1/cases", headers=api.headers("examiner")), 405)
    assert client.get("/api/v1/tasks").headers["Cache-Control"] == "no-store"


def test_session_cookie_does_not_authenticate_the_api(client, users, api):
    with client.session_transaction() as session:  # a logged-in browser (Flask-Login's session key)
        session["_user_id"] = users["examiner"].get_id()
        session["_fresh"] = True
    api.error(client.get("/api/v1/tasks"), 401, "unauthorized")
