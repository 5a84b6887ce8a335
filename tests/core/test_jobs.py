"""The background job runner: in-process thread (default) and RQ with a real Redis server."""
from __future__ import annotations

import time

from workflow import worker
from workflow.core import jobs
from workflow.core.extensions import db
from workflow.core.models import Job


@jobs.handler("test_count")
def _count(job, progress):
    for done in range(1, job.total + 1):
        progress(done)
    return {"counted": job.total, "owner": job.owner.username}


@jobs.handler("test_fail")
def _fail(job, progress):
    progress(1)
    raise ValueError("the data of row 2 is bad")


def test_a_job_runs_in_the_background_and_reports_its_result(app, users):
    job = jobs.submit("test_count", users["supervisor"], {"any": "params"}, total=3)
    assert job.status in ("queued", "running", "done")
    finished = jobs.wait(job.id, 30)
    assert (finished.status, finished.done, finished.total) == ("done", 3, 3)
    assert finished.result == {"counted": 3, "owner": "supervisor"}
    assert finished.started_at is not None and finished.finished_at >= finished.started_at


def test_a_failing_job_is_failed_with_its_reason_and_the_runner_lives_on(app, users):
    failed = jobs.wait(jobs.submit("test_fail", users["supervisor"], {}, total=2).id, 30)
    assert (failed.status, failed.done, failed.error) == ("failed", 1, "the data of row 2 is bad")
    assert jobs.wait(jobs.submit("test_count", users["supervisor"], {}, total=1).id, 30).status == "done"


def test_a_job_runs_once(app, users):
    job = jobs.wait(jobs.submit("test_count", users["supervisor"], {}, total=1).id, 30)
    finished_at = job.finished_at
    jobs.run(job.id)  # a duplicate delivery (e.g. RQ retrying) finds it done and leaves it
    db.session.expire_all()
    assert db.session.get(Job, job.id).finished_at == finished_at


def test_rq_workers_run_queued_jobs(app, users, redis_url, monkeypatch):
    """Production set-up: the web process only queues; an RQ worker (here in burst mode, in this
    process) builds its own app from the environment and runs the job."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    app.config.update(JOB_RUNNER="rq", REDIS_URL=redis_url)
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])  # the keys the database was started with
    monkeypatch.setenv("ONESTOP_ESCALATION_RUNNER", "off")
    monkeypatch.setattr(worker, "_worker_app", None)
    job = jobs.submit("test_count", users["supervisor"], {}, total=2)
    time.sleep(0.3)
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "queued"  # nothing runs it in the web process
    connection = Redis.from_url(redis_url)
    assert Queue(jobs.QUEUE, connection=connection).count == 1
    SimpleWorker([Queue(jobs.QUEUE, connection=connection)], connection=connection).work(burst=True)
    db.session.expire_all()
    done = db.session.get(Job, job.id)
    assert (done.status, done.result) == ("done", {"counted": 2, "owner": "supervisor"})
