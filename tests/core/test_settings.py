"""Every setting the administrator can change is declared once the app exists, whatever modules a
test or a process imported before (a fresh interpreter, like a gunicorn worker with cron-run
escalation)."""
from __future__ import annotations

import subprocess
import sys

from workflow import ROOT

CODE = """
from workflow import create_app
from workflow.core import settings
create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
keys = set(settings.defaults())
need = {"visit_schedule_months", "aid_threshold_a_fen", "aid_threshold_b_fen", "aid_cap_months",
        "escalation_due_soon_hours", "escalation_supervisor_after_hours", "registry_inquiries_per_hour",
        "registry_batches_per_day", "registry_batch_max_rows", "clock_registration_hours", "break_glass_minutes"}
print(sorted(need - keys))
"""


def test_every_setting_is_declared_after_create_app():
    out = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "ONESTOP_ESCALATION_RUNNER": "off"})
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr[-2000:]
