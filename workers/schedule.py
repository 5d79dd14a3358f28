"""The periodic jobs, in one list; `python -m workers.schedule` runs RQ's cron scheduler."""

from __future__ import annotations

from rq.cron import CronScheduler

from workers.jobs.dashboard import rebuild_rollups
from workers.jobs.events import relay_outbox
from workers.jobs.tickets import mark_sla_breaches

# (function, queue, seconds between runs)
PERIODIC = [
    (relay_outbox, "default", 60),
    (rebuild_rollups, "low", 24 * 3600),
    (mark_sla_breaches, "default", 60),
]


def main() -> None:
    from app.services import jobs
    from workers.runner import get_app

    with get_app().app_context():
        scheduler = CronScheduler(connection=jobs.connection(), name="backoffice-cron")
        for func, queue_name, interval in PERIODIC:
            scheduler.register(func, queue_name, interval=interval, job_timeout=300)
        scheduler.start()


if __name__ == "__main__":
    main()
