"""Benchmark: one escalation run over many open tasks (not a test; figures go to docs/clocks.md).

    .venv/bin/python bench/escalation.py [--tasks 20000] [--database-url URL]

Builds a throw-away database (SQLite in a temp dir unless --database-url), loads the demo data,
adds N open tasks on the demo's live cases with due times spread over the last 10 days (all
overdue), then times:
  1. the first run, which notifies every assignee (N overdue notifications);
  2. a second run at the same time, which must find nothing to do (the steady state every 5 minutes);
  3. a run 25 hours later, which escalates every task to the centre's supervisors.
Also the examiner's "overdue" inbox query. Prints wall times and notification counts.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from _setup import demo_app
from sqlalchemy import func, insert, select

from workflow.admin.models import User
from workflow.cases.models import Case
from workflow.core.extensions import db
from workflow.core.models import Task, utcnow
from workflow.inbox import escalation
from workflow.inbox import tasks as task_service
from workflow.inbox.models import Notification


def timed(label: str, function):
    start = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {elapsed:8.3f} s   {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    app = demo_app(args.database_url)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        examiner = db.session.scalar(select(User).where(User.username == "examiner"))
        live = db.session.scalars(select(Case.id).where(Case.state.in_(("registered", "forensic_exam")),
                                                        Case.suspended_at.is_(None))).all()
        now = utcnow()
        rng = random.Random(1)
        rows = []
        for i in range(args.tasks):
            due = now - dt.timedelta(minutes=rng.randrange(1, 10 * 24 * 60))
            rows.append({"case_id": live[i % len(live)], "state": "registered", "role": "examiner",
                         "assignee_id": examiner.id, "opened_at": due - dt.timedelta(hours=24),
                         "started_at": due - dt.timedelta(hours=24), "due_at": due, "paused_seconds": 0})
        db.session.execute(insert(Task), rows)
        db.session.commit()
        print(f"database: {url.split(':')[0]}, {args.tasks} extra open overdue tasks on {len(live)} cases")
        timed("first run (notify every assignee)", lambda: escalation.run(now))
        timed("second run, same time (nothing to do)", lambda: escalation.run(now))
        timed("run 25 h later (escalate to supervisors)", lambda: escalation.run(now + dt.timedelta(hours=25)))
        timed("examiner's overdue inbox (first 200)", lambda: len(task_service.inbox(examiner, "overdue")))
        total = db.session.scalar(select(func.count()).select_from(Notification))
        print(f"notifications stored: {total}")


if __name__ == "__main__":
    main()
