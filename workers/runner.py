"""One app context per worker process; the SQLAlchemy pool is disposed in each work horse."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask
from rq import Queue, Worker

log = logging.getLogger(__name__)
_app: Flask | None = None


def get_app() -> Flask:
    """The worker's app, created once per process (jobs import this lazily)."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


class AppWorker(Worker):
    """Runs each job inside the app context, with a fresh connection pool in the forked child."""

    def main_work_horse(self, job: Any, queue: Queue) -> None:
        from app.extensions import db
        from app.services import jobs

        with get_app().app_context():
            # Connections inherited from the parent must not be shared with it.
            db.engine.dispose(close=False)
            # The request's correlation id follows its jobs into the logs and the jobs they enqueue.
            jobs.CORRELATION_ID.set(job.meta.get("correlation_id"))
            log.info("job started", extra={"job_id": job.id, "job": job.func_name, "attempt": job.retries_left})
            super().main_work_horse(job, queue)


def run_worker(burst: bool = False, with_scheduler: bool = True) -> bool:
    app = get_app()
    from app.services import jobs

    with app.app_context():
        queues = [Queue(name, connection=jobs.connection()) for name in app.config["RQ_QUEUES"]]
        # Maintenance every minute (RQ's default is 10): a job orphaned by a killed worker is
        # failed or retried by the survivors soon after its heartbeat lapses.
        worker = AppWorker(queues, connection=jobs.connection(), name=f"backoffice-{os.getpid()}",
                           maintenance_interval=60)
        log.info("worker starting", extra={"queues": app.config["RQ_QUEUES"]})
        return worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=app.config["LOG_LEVEL"])
