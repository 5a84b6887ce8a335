"""Fixtures of the document tests (helpers are in document_helpers.py): cases and aid applications
with everything their documents show."""
from __future__ import annotations

import datetime as dt

import helper_modules
import pytest

from workflow.admin.models import Agency
from workflow.core.clocks import local_today
from workflow.demo import FLAG_DATA, drive_aid, fire


@pytest.fixture
def api(client, users, api_token):
    """The JSON client of tests/api."""
    return helper_modules.load("api/conftest.py").Api(client, api_token)


@pytest.fixture
def followed_up(make_case, users):
    """A case in follow-up: exam, interview, assessment (with a private note) and plan, a recorded
    return visit, and a referral for the minimum living allowance to the civil affairs bureau."""
    case = make_case("follow_up")
    visit = next(v for v in case.visits if v.status == "scheduled")
    fire(users["social_worker"], case, "record_visit", {
        "visit_id": visit.id, "done_on": local_today(), "mode": "home", "attendees": "社工、母亲张丽",
        "wellbeing": "情绪稳定，睡眠改善。", "school_attendance": "正常上学", "needs": "需要低保救助",
        "aid_use": "用于心理治疗费用", "satisfaction": 5})
    civil_affairs = Agency.query.filter_by(kind="civil_affairs").one()
    fire(users["social_worker"], case, "send_referral", {
        "kind": "minimum_living_allowance", "agency_id": civil_affairs.id,
        "due_on": local_today() + dt.timedelta(days=15), "note": "家庭收入低于当地低保标准，请协助办理。"})
    return case


@pytest.fixture
def aid_application(make_case, users):
    """aid_application(target) -> an application of a case in aid review, driven to `target`."""

    def make(target: str = "disbursed"):
        case = make_case("aid_review")
        fire(users["case_prosecutor"], case, "flag_aid", FLAG_DATA)
        return drive_aid(case.aid_applications[-1], target, users)

    return make
