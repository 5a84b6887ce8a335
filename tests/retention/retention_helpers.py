"""Helpers of the retention tests (fixtures are in conftest.py): times at which a case closed today
is due (the scripted child, born 2016-05-12, turns 21 on 2037-05-12), the scripted people's names,
and moving a case's closing time."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from workflow.cases.models import Case
from workflow.core.extensions import db

# Ten years after a case closed today (December 2026), and the child 21.
DUE = dt.datetime(2037, 6, 1, 12, 0)
CHILD = "李小雨"  # the scripted child of workflow.demo.referral
GUARDIAN, GUARDIAN_PHONE, SUSPECT = "张丽", "13800138000", "赵某"


def closed_on(case: Case, when: dt.datetime) -> Case:
    """Move the case's closing time (as if it had closed `when`)."""
    db.session.execute(update(Case).where(Case.id == case.id).values(closed_at=when))
    db.session.commit()
    db.session.refresh(case)
    return case
