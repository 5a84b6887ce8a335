"""What the benchmarks share: a throw-away OneStop database with the demo data loaded."""
from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from workflow import ROOT, create_app  # noqa: E402
from workflow.admin import calendar  # noqa: E402
from workflow.demo import seed  # noqa: E402


def demo_app(database_url: str | None = None, **config) -> Flask:
    """An app over a fresh database (SQLite in a temp dir, removed at exit, unless `database_url`),
    migrated, with the working-day calendar and the demo data loaded. Escalation runs only when asked;
    passwords hash cheaply (the demo creates a dozen users)."""
    if database_url is None:
        workdir = tempfile.mkdtemp(prefix="onestop-bench-")
        atexit.register(shutil.rmtree, workdir, ignore_errors=True)
        database_url = f"sqlite:///{workdir}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "ESCALATION_RUNNER": "off", "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_COST": 1024, **config})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        calendar.load_file()
        seed("bench-password")
    return app
