"""Helpers of the register tests: valid resident ID numbers and entries put in force."""
from __future__ import annotations

import datetime as dt

from workflow.core import identity
from workflow.registry import operations

CATEGORY_WORDS = ("conviction", "rape", "indecency", "molestation", "non_prosecution", "non-prosecution",
                  "administrative_penalty", "employment_ban", "强奸", "猥亵", "性侵", "不起诉", "行政处罚", "从业禁止",
                  "Employment ban", "Conviction")


def resident_id(region: str = "440106", born: dt.date = dt.date(1985, 3, 14), sequence: int = 123) -> str:
    """A valid 18-digit resident ID number (correct check digit)."""
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + identity.check_digit(body)


def wrong_check_digit(number: str) -> str:
    return number[:17] + next(c for c in "0123456789X" if c != number[17])


def entry_data(**overrides) -> dict:
    data = {"name": "赵某", "id_type": "resident_id", "id_number": resident_id(), "birth_date": None,
            "category": "conviction_indecency", "ban_lifelong": False, "ban_until": None,
            "source_document": "（2025）粤0106刑初123号刑事判决书", "source_date": dt.date(2025, 6, 1)}
    data.update(overrides)
    return data


def entry_in_force(users, **overrides):
    """An entry proposed by one maintainer and approved by the other."""
    change = operations.propose_entry(users["registry_maintainer"], entry_data(**overrides), "判决生效")
    operations.decide_change(users["registry_maintainer_2"], change.id, True, "核对无误")
    return change.entry


def ask(users, who: str = "employer_hr", consent: bool = True, **data):
    person = {"name": "赵某", "id_type": "resident_id", "id_number": resident_id(), "post": "语文教师"}
    person.update(data)
    return operations.inquire(users[who], person, consent)
