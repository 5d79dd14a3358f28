"""One app context per worker process; the SQLAlchemy pool is disposed in each work horse.

A worker killed outright (SIGKILL, OOM, a lost node) leaves its job registered as started and
nobody heartbeats for it. RQ notices only when a live worker runs maintenance after the entry's
expiry, and then schedules the retry for later, which needs a scheduler, whose lock the dead
worker may still hold for a minute. Here the bound is explicit: the entry expires after three
missed heartbeats, every worker runs maintenance every WORKER_MAINTENANCE_SECONDS even while it
waits for work, and an abandoned job goes straight back to the front of its queue.
"""

from __future__ import annotations

import logging
import os
from typing import Any, cast

from flask import Flask
from rq import Queue, Worker
from rq.job import Job, JobStatus
from rq.utils import as_text, current_timestamp, parse_composite_key

log = logging.getLogger(__name__)
_app: Flask | None = None
# The wait for a job (BLMOVE) is this much shorter than the worker's ttl (RQ's dequeue_timeout).
_DEQUEUE_MARGIN = 15


def get_app() -> Flask:
    """The worker's app, created once per process (jobs import this lazily)."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def requeue_abandoned(queue: Queue) -> list[str]:
    """Put the jobs whose worker died mid-job back at the front of `queue`, each using one of its
    retries; returns their ids. A job without retries left is left to RQ's cleanup, which fails
    it (an outbox event's job is then sent again by the relay)."""
    conn = queue.connection
    key = queue.started_job_registry.key
    requeued = []
    entries = cast("list[bytes]", conn.zrangebyscore(key, 0, current_timestamp()))
    for entry in entries:
        member = as_text(entry)
        job_id, _execution = parse_composite_key(member)
        job: Job | None = queue.fetch_job(job_id)
        if job is None or job.get_status(refresh=False) != JobStatus.STARTED:
            conn.zrem(key, member)  # the job has moved on (finished, sent again, expired)
            continue
        if not job.retries_left:
            continue
        if not conn.zrem(key, member):
            continue  # another worker took it
        job.retries_left -= 1
        queue.enqueue_job(job, at_front=True)
        log.warning("job abandoned by a dead worker, queued again",
                    extra={"job_id": job.id, "job": job.func_name, "worker": job.worker_name,
                           "retries_left": job.retries_left})
        requeued.append(job.id)
    return requeued


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

    def get_heartbeat_ttl(self, job: Job) -> int:
        # RQ adds a fixed minute; three heartbeat intervals in all is enough slack for a live worker.
        interval = int(self.job_monitoring_interval)
        if job.timeout and job.timeout > 0:
            return int(min(job.timeout - self.current_job_working_time, interval)) + 2 * interval
        return 3 * interval

    def clean_registries(self) -> None:
        for queue in self.queues:
            # Under RQ's maintenance lock, so RQ's own cleanup never handles the same entry at once.
            if queue.acquire_maintenance_lock():
                try:
                    requeue_abandoned(queue)
                finally:
                    queue.release_maintenance_lock()
        super().clean_registries()


def run_worker(burst: bool = False, with_scheduler: bool = True) -> bool:
    app = get_app()
    from app.services import jobs

    with app.app_context():
        queues = [Queue(name, connection=jobs.connection()) for name in app.config["RQ_QUEUES"]]
        maintenance = app.config["WORKER_MAINTENANCE_SECONDS"]
        worker = AppWorker(
            queues,
            connection=jobs.connection(),
            name=f"backoffice-{os.getpid()}",
            maintenance_interval=maintenance,
            job_monitoring_interval=app.config["WORKER_HEARTBEAT_SECONDS"],
            # An idle worker waits for work at most this long, then runs its maintenance.
            worker_ttl=maintenance + _DEQUEUE_MARGIN,
        )
        log.info("worker starting", extra={"queues": app.config["RQ_QUEUES"]})
        return worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=app.config["LOG_LEVEL"])
