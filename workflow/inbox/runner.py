"""The in-process escalation runner of the default set-up: a daemon thread per serving process that
runs `escalation.run()` (and fails background jobs lost with a dead process: `jobs.fail_stale()`,
the periodic jobs registered with `periodic` (retention), and signs the audit trail's chains:
`audit.chain.checkpoint_all()`) every ESCALATION_INTERVAL seconds. Started by the first request, so that CLI
commands (`flask db upgrade`) never start it; runs in several processes are safe (see escalation).
Production set-ups with cron set ONESTOP_ESCALATION_RUNNER=off and call `flask --app wsgi escalate`.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)
_lock = threading.Lock()

# Further periodic work, registered from the composition root (retention: features the inbox must
# not import): `job(now)` after each escalation, its report printed by `flask escalate`.
PERIODIC: list[Callable[[dt.datetime | None], object]] = []


def periodic(job: Callable[[dt.datetime | None], object]) -> None:
    if job not in PERIODIC:  # each app the process creates registers it again
        PERIODIC.append(job)


def _loop(app: Flask, stop: threading.Event) -> None:
    from workflow.audit import chain
    from workflow.core import jobs
    from workflow.core.extensions import db
    from workflow.inbox import escalation

    while not stop.wait(app.config["ESCALATION_INTERVAL"]):
        with app.app_context():
            try:
                escalation.run()
                jobs.fail_stale()
                for job in PERIODIC:
                    job(None)
                chain.checkpoint_all()  # sign the audit chains' heads
                db.session.commit()
            except Exception:  # keep the thread alive; the next run retries
                log.exception("escalation run failed")
            finally:
                db.session.remove()


def init_app(app: Flask) -> None:
    if app.config["ESCALATION_RUNNER"] != "inprocess" or app.testing:
        return
    stop = threading.Event()  # never set while serving: the daemon thread ends with the process

    @app.before_request
    def _start_runner() -> None:
        if app.extensions.get("escalation_thread") is not None:
            return
        with _lock:
            if app.extensions.get("escalation_thread") is None:
                thread = threading.Thread(target=_loop, args=(app, stop), name="escalation", daemon=True)
                app.extensions["escalation_thread"] = thread
                thread.start()
                log.info("escalation runner started (every %s s)", app.config["ESCALATION_INTERVAL"])
