"""Background jobs: a `Job` row carries the work's parameters, progress and result; a runner executes
it outside the request.

- "inprocess" (default, `make run`): a single worker thread per serving process. Rendering is
  serialised there anyway (Pango is not thread-safe), and a job outlives its request.
- "rq" (production): jobs go to Redis (REDIS_URL) and `rq worker onestop` processes run them, on
  any node; the web processes keep no state.

Handlers are registered by kind with `@handler("kind")` and receive the job and a `progress(done)`
callback that commits the count, so pages and `GET /api/v1/jobs/{id}` show it while the job runs.
A handler's exception fails the job with its message; nothing else is left half-done because each
handler commits its own units of work."""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from flask_babel import gettext as _

from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.core.models import Job, utcnow

log = logging.getLogger(__name__)
HANDLERS: dict[str, Callable[[Job, Callable[[int], None]], dict]] = {}
QUEUE = "onestop"
_executor_lock = threading.Lock()


def handler(kind: str):
    def register(function):
        HANDLERS[kind] = function
        return function
    return register


def submit(kind: str, owner, params: dict, total: int) -> Job:
    """Record the job, commit, and hand it to the runner (after commit: the runner reads the row)."""
    assert kind in HANDLERS, kind
    job = Job(kind=kind, owner_id=owner.id, params=params, total=total, status="queued")
    db.session.add(job)
    db.session.commit()
    try:
        _dispatch(job.id)
    except Exception as exc:  # e.g. Redis unreachable: the job must not wait forever
        log.exception("job %s could not be queued", job.id)
        job.status, job.error, job.finished_at = "failed", f"not queued: {exc}"[:2000], utcnow()
        db.session.commit()
        raise WorkflowError(_("Background jobs are unavailable right now; please try again later."),
                            status=503, code="unavailable") from exc
    return job


def fail_stale(now: dt.datetime | None = None) -> int:
    """Fail jobs that cannot finish any more: queued or running for longer than JOB_TIMEOUT (their
    process died, or their worker was killed). Run by the in-process runner's loop."""
    cutoff = (now or utcnow()) - dt.timedelta(seconds=current_app.config["JOB_TIMEOUT"])
    count = db.session.execute(
        db.update(Job).where(Job.status.in_(("queued", "running")), Job.created_at < cutoff)
        .values(status="failed", error="lost: not finished within the job timeout", finished_at=utcnow())).rowcount
    db.session.commit()
    return count


def _dispatch(job_id: int) -> None:
    app = current_app._get_current_object()
    if app.config["JOB_RUNNER"] == "rq":
        from redis import Redis
        from rq import Queue

        # By name: the worker's entry point builds the app, which the core cannot import.
        Queue(QUEUE, connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(
            "workflow.worker.run_in_worker", job_id, job_timeout=app.config["JOB_TIMEOUT"])
        return
    with _executor_lock:
        executor = app.extensions.get("job_executor")
        if executor is None:
            executor = app.extensions["job_executor"] = ThreadPoolExecutor(1, thread_name_prefix="jobs")
    executor.submit(_run_in_app, app, job_id)


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()


def run(job_id: int) -> None:
    """Execute a queued job in the current app context (the runner thread or an RQ worker)."""
    # Claim it: of two deliveries (an RQ retry, a second runner) only one finds it still queued.
    claimed = db.session.execute(db.update(Job).where(Job.id == job_id, Job.status == "queued")
                                 .values(status="running", started_at=utcnow())).rowcount
    db.session.commit()
    if not claimed:
        return
    job = db.session.get(Job, job_id)

    def progress(done: int) -> None:
        db.session.execute(db.update(Job).where(Job.id == job_id).values(done=done))
        db.session.commit()

    try:
        result = HANDLERS[job.kind](job, progress)
    except Exception as exc:  # the job fails with the reason; the runner lives on
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        job = db.session.get(Job, job_id)
        job.status, job.error, job.finished_at = "failed", str(exc)[:2000], utcnow()
        db.session.commit()
        return
    job = db.session.get(Job, job_id)
    job.status, job.result, job.done, job.finished_at = "done", result, job.total, utcnow()
    db.session.commit()


def wait(job_id: int, timeout: float, interval: float = 0.1) -> Job:
    """The job once it has finished, or as it stands after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if job.finished or time.monotonic() >= deadline:
            return job
        db.session.rollback()  # end the read transaction so the next poll sees the runner's commits
        time.sleep(interval)
