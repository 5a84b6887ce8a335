"""Business rules the administrator may change: one place to read them.

Deployment and secrets come from the environment (`workflow.core.config`, read as `app.config`).
Everything a centre decides for itself — approval thresholds, visit schedules, escalation times,
clock lengths, the register's rate limits — is a setting: stored in the database when an
administrator changed it, otherwise its default. Each feature declares its settings' defaults next
to the code that uses them (`settings.declare(...)` in that module, e.g. `workflow/aid/stages.py`);
the clock lengths are declared by the clocks of the process definitions themselves (`Clock.setting`).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflow.core.extensions import db
from workflow.core.models import Setting
from workflow.core.process import clock_settings

# The declared defaults, by key (clock lengths aside: see `defaults()`).
DECLARED: dict[str, Any] = {}


def declare(**defaults: Any) -> None:
    """Declare settings with their defaults (once per key: two features cannot share one)."""
    for key, value in defaults.items():
        existing = DECLARED.setdefault(key, value)
        assert existing == value, f"setting {key} declared twice with different defaults"


def defaults() -> dict[str, Any]:
    """Every setting's default: the declared ones, and each clock's length from its definition."""
    clocks = {key: clock.amount for key, (clock, _spec) in clock_settings().items()}
    return {**DECLARED, **clocks}


def get(key: str) -> Any:
    row = db.session.get(Setting, key)
    if row is not None:
        return row.value
    return defaults()[key]


def get_many(*keys: str) -> list[Any]:
    """Several settings in one statement (for code that runs on every request)."""
    stored = dict(db.session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(keys))).all())
    every = defaults()
    return [stored[key] if key in stored else every[key] for key in keys]


def put(key: str, value: Any) -> None:
    if key not in defaults():
        raise KeyError(key)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
