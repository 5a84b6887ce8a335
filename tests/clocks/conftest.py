"""Fixtures of the legal-clock tests: the engine `kit` of tests/workflow and the logged-in page
clients of tests/views, reused (conftest modules are not importable by name, so they are loaded
from their files, as tests/aid/aid_helpers.py loads tests/api/conftest.py)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from workflow.extensions import db
from workflow.models import AverageWage


def _load(name: str, relative: str):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_workflow_helpers = _load("clocks_workflow_helpers", "workflow/conftest.py")
_view_helpers = _load("clocks_view_helpers", "views/conftest.py")
Kit, Pages = _workflow_helpers.Kit, _view_helpers.Pages


@pytest.fixture
def kit(users, make_case):
    return Kit(users, make_case)


@pytest.fixture
def pages(app, users):
    return Pages(app)


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
