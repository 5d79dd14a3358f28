from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import OutboxEvent
from app.models.base import utcnow
from app.observability import MinuteCounts, _count_minute, flush_minute_counts
from app.services import dashboard_health


@pytest.fixture(autouse=True)
def _no_counts_from_earlier_tests() -> None:
    """Responses of earlier tests may still be counted in process: write them, then start clean."""
    from app.services import jobs

    flush_minute_counts()
    redis = jobs.connection()
    for key in redis.scan_iter("http:minute:*"):
        redis.delete(key)


def _checks(session: Session) -> dict[str, bool]:
    return {c["key"]: c["ok"] for c in dashboard_health.check(session)["checks"]}


def test_it_counts_responses_and_5xx_per_minute(client: FlaskClient) -> None:
    client.get("/health")
    client.get("/health")
    flush_minute_counts()  # counted in process, written at most once a second
    assert dashboard_health.error_counts() == (2, 0)
    _count_minute(503)  # a 5xx is written at once
    assert dashboard_health.error_counts() == (3, 1)


def test_counts_reach_redis_once_a_second_and_a_5xx_at_once(client: FlaskClient) -> None:
    now = [1_000_000.0]
    counts = MinuteCounts(flush_seconds=1.0, clock=lambda: now[0])
    counts.add(200)
    counts.add(200)
    assert _minute(1_000_000.0) == (0, 0)  # nothing written yet
    now[0] += 1.5
    counts.add(200)  # the second has passed: all three are written
    assert _minute(1_000_000.0) == (3, 0)
    counts.add(200)
    counts.add(500)
    assert _minute(now[0]) == (5, 1)  # the 5xx took the pending 200 with it


def _minute(at: float) -> tuple[int, int]:
    from app.services import jobs

    raw = jobs.connection().hmget(f"http:minute:{int(at // 60)}", ["all", "5xx"])
    return int(raw[0] or 0), int(raw[1] or 0)  # type: ignore[index]


def test_a_high_share_of_5xx_fails_the_errors_check(db_session: Session) -> None:
    for status in (200, 200, 500):
        _count_minute(status)
    flush_minute_counts()
    checks = _checks(db_session)
    assert checks["errors"] is False and checks["database"] and checks["redis"]


def test_without_workers_or_with_a_stuck_outbox_health_drops(db_session: Session) -> None:
    assert dashboard_health.check(db_session)["percent"] == 83  # no RQ worker in tests: 5 of 6
    db_session.add(OutboxEvent(type="ticket.created", aggregate_type="ticket", aggregate_id="1", data={},
                               occurred_at=utcnow() - timedelta(minutes=10)))
    db_session.flush()
    health = dashboard_health.check(db_session)
    assert health["percent"] == 67 and not _checks(db_session)["outbox"]


def test_a_worker_with_a_fresh_heartbeat_passes_the_workers_check(db_session: Session) -> None:
    from rq import Worker

    from app.services import jobs

    worker = Worker(["default"], connection=jobs.connection(), name="health-probe")
    worker.register_birth()
    worker.heartbeat()
    try:
        health = dashboard_health.check(db_session)
        assert health["percent"] == 100 and _checks(db_session)["workers"]
    finally:
        worker.register_death()
