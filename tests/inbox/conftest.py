"""Fixtures of the escalation tests; the helpers are in escalation_helpers.py.

Time is frozen with time_machine at N0 = Monday 2026-10-12 10:00 in Beijing (02:00 UTC) so that the
engine's clocks (started at "now") are exact; escalation runs are driven with explicit
`escalation.run(now=...)` times computed from a task's `due_at`. time_machine leaves
`time.monotonic` alone, so the SMTP server's event loop and thread waits work normally.
"""
from __future__ import annotations

import pytest
import time_machine
from escalation_helpers import N0, UTC, FrozenClock, LocalSmtp, address

from workflow.core.extensions import db


@pytest.fixture(autouse=True)
def clock():
    """Every test of this package runs on a frozen clock, from N0 on (set before the app and the
    users are made, so that they are of that day too)."""
    with time_machine.travel(N0.replace(tzinfo=UTC), tick=False) as traveller:
        yield FrozenClock(traveller)


@pytest.fixture
def addresses(users) -> dict[str, str]:
    """Every test user gets a staff e-mail address (username@staff.onestop.test)."""
    for username, user in users.items():
        user.email = address(username)
    db.session.commit()
    return {username: user.email for username, user in users.items()}


@pytest.fixture
def smtp(app):
    """A running local SMTP server the app sends to."""
    server = LocalSmtp(app).start()
    server.configure()
    yield server
    server.stop()


@pytest.fixture
def smtp_down(app):
    """The app is configured for a local SMTP server that is not running yet (`.start()` it)."""
    server = LocalSmtp(app)
    server.configure()
    yield server
    server.stop()
