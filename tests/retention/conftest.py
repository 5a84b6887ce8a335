"""Fixtures of the retention tests (helpers are in retention_helpers.py): a closed case with an
issued document."""
from __future__ import annotations

import pytest

from workflow.documents import operations as documents


@pytest.fixture
def closed(make_case, users):
    """closed(**referral) -> (a closed case, its final registration form for the court)."""

    def make(**overrides):
        case = make_case("closed", **overrides)
        document = documents.generate(users["intake_officer"], case, "registration_form", "court", final=True)
        return case, document

    return make
