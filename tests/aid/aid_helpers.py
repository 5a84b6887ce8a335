"""Helpers of the judicial aid tests (fixtures are in conftest.py): an API client that also speaks
to aid applications, valid data for each aid trigger, and steps that walk an application forward
through the API. A plain module, since every test directory's conftest is named `conftest`.

Amounts are integer fen, as the API takes them. The test region's average monthly wage is
1,000,000 fen, so the cap is 36,000,000 fen; the approval thresholds are 3,000,000 fen (department
head) and 10,000,000 fen (deputy chief), the chief procurator's meeting above.
"""
from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import helper_modules
from flask import has_app_context

from workflow.aid.models import AidApplication
from workflow.core.clocks import local_today
from workflow.core.extensions import db
from workflow.core.models import Event

# The shared JSON client of tests/api.
_api_helpers = helper_modules.load("api/conftest.py")
Api, assert_error = _api_helpers.Api, _api_helpers.assert_error

CAP_FEN = 36_000_000
FLAG = {"grounds": ["family_hardship", "medical_costs"], "note": "单亲家庭，母亲无固定收入，医疗费用较高。"}


def today() -> dt.date:
    """The centre's date (the aid process checks dates in its time zone); at import, before any
    app, that of the default zone."""
    if has_app_context():
        return local_today()
    return dt.datetime.now(ZoneInfo(os.environ.get("ONESTOP_TIMEZONE", "Asia/Shanghai"))).date()


def later(days: int) -> str:
    return (today() + dt.timedelta(days=days)).isoformat()


# --- valid data per aid trigger (JSON as the API takes it) ------------------------------------------

def apply_data(requested_fen: int = 3_000_000, **overrides) -> dict:
    return {"applicant_name": "张丽", "applicant_kind": "guardian", "applicant_phone": "13800138000",
            "requested_fen": requested_fen, "grounds": ["family_hardship", "medical_costs"],
            "documents": ["application_form", "identity", "medical_bills"],
            "statement": "孩子受侵害后需长期治疗，家庭无力承担。", **overrides}


FINANCES = {"household_size": 3, "monthly_income_fen": 350_000, "losses_fen": 2_800_000,
            "finances_note": "母亲务工，月收入约三千五百元；医疗费用约二万八千元，无其他赔偿。"}


def proposal(total: int, county: int | None = None, city: int | None = None, province: int | None = None,
             instalments: list[int] | None = None, **extra) -> dict:
    """A proposal of `total` fen: by default all from the county, paid at once (today)."""
    shares = {"county_fen": total if county is None and city is None and province is None else county,
              "city_fen": city, "province_fen": province}
    data = {"proposed_fen": total, **{k: v for k, v in shares.items() if v is not None},
            "proposal_note": "申请人家庭困难属实，犯罪嫌疑人无赔偿能力，建议予以救助。", **extra}
    if instalments:
        data["instalments"] = [{"due_on": later(30 * i), "amount_fen": amount}
                               for i, amount in enumerate(instalments)]
    return data


def notify() -> dict:
    """Notified today (computed when used: not before the decision, even across midnight)."""
    return {"notified_on": today().isoformat(), "notified_by": "letter"}


def payment(amount_fen: int, reference: str = "ZF-0001", **overrides) -> dict:
    return {"amount_fen": amount_fen, "on_date": today().isoformat(), "method": "bank_transfer",
            "reference": reference, **overrides}


APPROVE = {"decision_note": "同意救助。"}
MEETING = {"meeting_on": today().isoformat(), "meeting_attendees": "检察长、副检察长、各部门负责人",
           "meeting_resolution": "检察委员会议定：同意超出上限救助。"}
REFUSAL = {"refusal_grounds": ["compensated"], "reason": "犯罪嫌疑人已足额赔偿，不符合救助条件。"}
EMERGENCY = {"amount_fen": 1_000_000, "reason": "儿童急需手术，家庭无力垫付，先行救助。"}
RECOVERY = {"amount_fen": 500_000, "on_date": today().isoformat(), "recovery_reason": "offender_compensation",
            "note": "被告人事后赔偿。"}
WITHDRAW = {"reason": "申请人撤回救助申请。"}


class AidApi(Api):
    """`Api` plus aid applications: `aid(id, as_)`, `fire_aid(id, trigger, as_, data)`, `flag(case_id)`."""

    def aid(self, application_id: int, as_: str) -> dict:
        response = self.get(f"/aid/{application_id}", as_)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    @staticmethod
    def version(application_id: int) -> int:
        """The stored version (for callers who cannot read the application)."""
        db.session.expire_all()
        return db.session.get(AidApplication, application_id).version

    def fire_aid(self, application_id: int, trigger: str, as_: str, data: dict | None = None, version=None):
        """POST an aid action; `version` defaults to the one the caller reads now (the stored one
        for a caller who cannot read the application)."""
        if version is None:
            read = self.get(f"/aid/{application_id}", as_)
            version = read.get_json()["version"] if read.status_code == 200 else self.version(application_id)
        body = {"version": version}
        if data is not None:
            body["data"] = data
        return self.post(f"/aid/{application_id}/actions/{trigger}", as_, json=body)

    def ok_aid(self, application_id: int, trigger: str, as_: str, data: dict | None = None) -> dict:
        response = self.fire_aid(application_id, trigger, as_, data)
        assert response.status_code == 200, (trigger, as_, response.get_json())
        return response.get_json()

    def flag(self, case_id: int, as_: str = "case_prosecutor", data: dict | None = None, version=None):
        body = {"version": self.case(case_id, as_)["version"] if version is None else version,
                "data": FLAG if data is None else data}
        return self.post(f"/cases/{case_id}/aid", as_, json=body)

    def open_application(self, case_id: int) -> dict:
        response = self.flag(case_id)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    @staticmethod
    def allowed(application: dict) -> dict[str, bool]:
        """trigger -> allowed, from an application's `actions`."""
        return {a["trigger"]: a["allowed"] for a in application["actions"]}

    def to_investigating(self, application_id: int, finances: bool = True) -> dict:
        """apply, accept, start the investigation (and record the finances) as the aid officer."""
        self.ok_aid(application_id, "apply", "aid_officer", apply_data())
        self.ok_aid(application_id, "accept", "aid_officer")
        body = self.ok_aid(application_id, "start_investigation", "aid_officer")
        if finances:
            body = self.ok_aid(application_id, "record_finances", "aid_officer", FINANCES)
        return body

    def refused(self, application_id: int, trigger: str, as_: str, status: int, code: str | None = None,
                data: dict | None = None, version=None) -> dict:
        """The action is refused with that status (and code) and nothing is stored."""
        before = self.version(application_id)
        body = assert_error(self.fire_aid(application_id, trigger, as_, data, version), status, code)
        assert self.version(application_id) == before, (trigger, as_)
        return body


def open_tasks(application: dict) -> dict[tuple[str, str], dict]:
    """The application's open tasks by (state or trigger that opened them, role)."""
    return {(t["state"], t["role"]): t for t in application["tasks"] if t["closed_at"] is None}


def case_events(case_id: int) -> list[str]:
    """The case's own history (not its aid applications'), as trigger names. The API has no history
    endpoint, so this reads the append-only events table."""
    db.session.expire_all()
    return list(db.session.scalars(db.select(Event.action).where(
        Event.case_id == case_id, Event.aid_application_id.is_(None)).order_by(Event.id)))
