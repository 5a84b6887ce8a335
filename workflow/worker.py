"""The RQ worker's entry point: one app per worker process, then the job."""
from __future__ import annotations

from flask import Flask

from workflow.core.extensions import db
from workflow.core.jobs import run

_worker_app: Flask | None = None


def run_in_worker(job_id: int) -> None:
    """The RQ entry point: one app per worker process, then `run`."""
    global _worker_app
    if _worker_app is None:
        from workflow import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()
