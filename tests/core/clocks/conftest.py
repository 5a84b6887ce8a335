"""Fixtures of the legal-clock tests (the engine `kit` and the page clients `pages` come from
tests/conftest.py)."""
from __future__ import annotations

import pytest

from workflow.admin.models import AverageWage
from workflow.core.extensions import db


@pytest.fixture
def wages(app, users):
    """Average wages of the test region for 2026 and 2027 (different, so the cap shows the year)."""
    wanted = {2026: 1_000_000, 2027: 1_200_000}
    for year, fen in wanted.items():
        row = db.session.scalar(db.select(AverageWage).where(AverageWage.year == year,
                                                             AverageWage.region == "测试市"))
        if row is None:
            db.session.add(AverageWage(year=year, region="测试市", monthly_fen=fen))
        else:  # the `users` fixture's row for the current year
            row.monthly_fen = fen
    db.session.commit()
    return wanted
