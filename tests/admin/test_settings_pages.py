"""The administrator changes the business rules on the settings page: the aid approval matrix and
cap, the register's limits and those of logins, sessions, tokens and emergency access, stored as
settings that the features read."""
from __future__ import annotations

import helper_modules
import pytest

from workflow.core import settings
from workflow.core.errors import WorkflowError

registry = helper_modules.load("registry/registry_helpers.py")

LIMITS = {"aid_threshold_a_fen": "30000", "aid_threshold_b_fen": "100000", "aid_cap_months": "36",
          "registry_inquiries_per_hour": "200", "registry_batches_per_day": "10", "registry_batch_max_rows": "100000",
          "login_failures_before_lock": "5", "login_lock_minutes": "5", "login_lock_max_minutes": "1440",
          "session_idle_minutes": "30", "session_max_hours": "12", "api_token_hours": "4", "break_glass_minutes": "60",
          "retention_years": "10", "bulk_read_window_minutes": "10", "bulk_read_warning": "60",
          "bulk_read_limit": "150"}


def test_the_page_shows_the_limits_in_force(pages):
    html = pages.html("admin", "/admin/settings")
    assert 'name="aid_threshold_a_fen"' in html and 'value="30000.00"' in html
    assert 'name="registry_inquiries_per_hour"' in html and 'value="200"' in html


def test_saved_limits_are_the_settings_the_register_and_aid_read(pages, users):
    client = pages.as_("admin")
    saved = client.post("/admin/settings/limits", data={**LIMITS, "aid_threshold_a_fen": "20,000.50",
                                                        "registry_inquiries_per_hour": "1"})
    assert saved.status_code == 302
    assert settings.get("aid_threshold_a_fen") == 2_000_050 and settings.get("registry_inquiries_per_hour") == 1
    registry.ask(users, id_number=registry.resident_id(sequence=3))
    with pytest.raises(WorkflowError) as refused:
        registry.ask(users, id_number=registry.resident_id(sequence=4))
    assert refused.value.status == 429


def test_bad_limits_are_refused_beside_their_field_and_nothing_is_saved(pages):
    client = pages.as_("admin")
    response = client.post("/admin/settings/limits", data={**LIMITS, "aid_threshold_b_fen": "30000"})
    assert response.status_code == 422
    assert 'id="aid_threshold_b_fen-error1"' in response.get_data(as_text=True)
    assert settings.get("aid_threshold_b_fen") == 10_000_000
    assert client.post("/admin/settings/limits", data={**LIMITS, "registry_batch_max_rows": "0"}).status_code == 422
    assert settings.get("registry_batch_max_rows") == 100_000


def test_only_administrators_change_limits(pages):
    assert pages.as_("supervisor").post("/admin/settings/limits", data=LIMITS).status_code == 403
    assert settings.get("registry_inquiries_per_hour") == 200


def test_login_and_session_limits_apply(pages, users):
    client = pages.as_("admin")
    saved = client.post("/admin/settings/limits", data={**LIMITS, "login_failures_before_lock": "3",
                                                        "session_idle_minutes": "10"})
    assert saved.status_code == 302
    assert settings.get("login_failures_before_lock") == 3 and settings.get("session_idle_minutes") == 10
    answers = [pages.anonymous().post("/login", data={"username": "examiner", "password": "wrong-wrong"})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 423]  # locked after three now
    refused = client.post("/admin/settings/limits", data={**LIMITS, "login_lock_minutes": "60",
                                                          "login_lock_max_minutes": "30"})
    assert refused.status_code == 422 and 'id="login_lock_max_minutes-error1"' in refused.get_data(as_text=True)
    assert settings.get("login_lock_max_minutes") == 24 * 60
