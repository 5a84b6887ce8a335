"""Fixtures of the judicial aid tests; the helpers are in aid_helpers.py."""
from __future__ import annotations

import pytest
from aid_helpers import AidApi


@pytest.fixture
def api(client, users, api_token) -> AidApi:
    return AidApi(client, api_token)


@pytest.fixture
def flagged(api, make_case):
    """A case in aid review, flagged through the API: returns (case, application JSON)."""
    case = make_case("aid_review")
    return case, api.open_application(case.id)
