"""Audit tests: the JSON client of tests/api."""
from __future__ import annotations

import helper_modules
import pytest


@pytest.fixture
def api(client, users, api_token):
    return helper_modules.load("api/conftest.py").Api(client, api_token)
