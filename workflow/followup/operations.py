"""Agencies that take referrals."""
from __future__ import annotations

from workflow.admin.operations import agency_choices

# Agencies a case can be referred to for social assistance ("judicial aid +").
REFERRAL_AGENCY_KINDS = ("civil_affairs", "education", "womens_federation", "court", "justice_bureau",
                         "disabled_persons_federation", "procuratorate", "hospital", "centre", "police")


def referral_agency_choices(case) -> list[tuple[int, str]]:  # noqa: ARG001 - any case may be referred anywhere
    return agency_choices(*REFERRAL_AGENCY_KINDS)
