"""Guards and due days of the follow-up triggers of the case process."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l


def referrals_settled(case) -> str | None:
    open_referrals = [r for r in case.referrals if r.is_open]
    if open_referrals:
        return _l("%(n)d referral(s) are still open: record the agency's reply or close them with a reason.",
                  n=len(open_referrals))
    return None


def has_open_referrals(case) -> str | None:
    return None if any(r.is_open for r in case.referrals) else _l("There is no open referral.")


def visits_settled(case) -> str | None:
    open_visits = [v for v in case.visits if v.status == "scheduled"]
    if open_visits:
        return _l("%(n)d scheduled visit(s) are neither done nor cancelled.", n=len(open_visits))
    return None


def has_open_visits(case) -> str | None:
    if not any(v.status == "scheduled" for v in case.visits):
        return _l("There is no scheduled visit.")
    return None


def next_visit_day(case) -> dt.date | None:
    """The follow-up task is due on the next scheduled return visit: a missed visit makes it overdue."""
    return min((v.due_on for v in case.visits if v.status == "scheduled"), default=None)
