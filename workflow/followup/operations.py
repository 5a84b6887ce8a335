"""Agencies that take referrals."""
from __future__ import annotations

from sqlalchemy import select

from workflow.admin.models import Agency
from workflow.core.extensions import db

# Agencies a case can be referred to for social assistance ("judicial aid +").
REFERRAL_AGENCY_KINDS = ("civil_affairs", "education", "womens_federation", "court", "justice_bureau",
                         "disabled_persons_federation", "procuratorate", "hospital", "centre", "police")


def referral_agencies() -> list[Agency]:
    return list(db.session.scalars(select(Agency).where(Agency.kind.in_(REFERRAL_AGENCY_KINDS))
                                   .order_by(Agency.kind, Agency.name)))
