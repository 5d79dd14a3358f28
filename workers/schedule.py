"""The periodic jobs, in one list; `python -m workers.schedule` runs RQ's cron scheduler.

Interval jobs run once at start, then every interval. Run one scheduler per deployment
(beside `python -m workers`); no cron on the host.
"""

from __future__ import annotations

from collections.abc import Callable

from rq.cron import CronScheduler

from workers.jobs.audit import anchor_audit_chain
from workers.jobs.dashboard import rebuild_rollups
from workers.jobs.events import relay_outbox
from workers.jobs.health import recompute_all as recompute_health
from workers.jobs.notifications import send_notification_emails
from workers.jobs.retention import purge_expired
from workers.jobs.search import reconcile_search_index
from workers.jobs.tickets import mark_sla_breaches

# (function, queue, seconds between runs)
PERIODIC: list[tuple[Callable[[], object], str, int]] = [
    (relay_outbox, "default", 60),
    (rebuild_rollups, "low", 24 * 3600),
    (mark_sla_breaches, "default", 60),
    (anchor_audit_chain, "low", 600),
    (purge_expired, "low", 24 * 3600),
    (send_notification_emails, "default", 60),
    (recompute_health, "low", 24 * 3600),
    (reconcile_search_index, "low", 3600),
]


def main() -> None:
    from app.services import jobs
    from workers.runner import get_app

    app = get_app()
    with app.app_context():
        scheduler = CronScheduler(connection=jobs.connection(), name="backoffice-cron",
                                  logging_level=app.config["LOG_LEVEL"])
        for func, queue_name, interval in PERIODIC:
            scheduler.register(func, queue_name, interval=interval, job_timeout=300, result_ttl=600,
                               failure_ttl=7 * 24 * 3600)
        scheduler.start()


if __name__ == "__main__":
    main()
