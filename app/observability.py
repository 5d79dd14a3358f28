"""JSON logs with a correlation id per request, Prometheus metrics, /health and /ready.

Metrics: under gunicorn, PROMETHEUS_MULTIPROC_DIR (set and emptied by gunicorn.conf.py) makes
every worker write its counters there and /metrics sum them; queue depths, failed jobs, outbox
lag and locked accounts are read from Redis and PostgreSQL when scraped.
"""

from __future__ import annotations

import atexit
import ipaddress
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, has_request_context, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pythonjsonlogger.json import JsonFormatter
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.auth.permissions import public
from app.extensions import db_session
from app.services import jobs

bp = Blueprint("ops", __name__)
log = logging.getLogger("backoffice.request")

REQUESTS = Counter("backoffice_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
RESPONSES = Counter("backoffice_http_responses_total", "HTTP responses by status class", ["status_class"])
LATENCY = Histogram(
    "backoffice_http_request_duration_seconds",
    "Request duration",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SLOW = Counter("backoffice_http_slow_requests_total", "Requests slower than SLOW_REQUEST_SECONDS", ["endpoint"])
LOGIN_FAILURES = Counter("backoffice_login_failures_total", "Refused sign-ins (web and API)")
_LOGIN_ENDPOINTS = {"auth.login", "api.login"}
_CID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Fields whose value never reaches a log line, wherever they appear in `extra`.
_SECRET_KEYS = re.compile(r"pass|secret|token|cookie|authorization|csrf|body", re.IGNORECASE)


class _ContextFilter(logging.Filter):
    """Every record carries the correlation id of the request or job it was written in."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", None):
            record.correlation_id = g.get("correlation_id") if has_request_context() else jobs.CORRELATION_ID.get()
        for key in list(vars(record)):
            if _SECRET_KEYS.search(key) and key not in _STANDARD:
                setattr(record, key, "[redacted]")
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


def configure_logging(level: str) -> None:
    """One JSON format for web, workers and CLI (python-json-logger on the standard library)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    )
    handler.addFilter(_ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for existing in logging.root.manager.loggerDict.values():
        if isinstance(existing, logging.Logger):
            existing.disabled = False  # alembic's fileConfig disables loggers created before it
    for name in ("rq.worker", "rq.scheduler", "rq.cron", "gunicorn.error"):
        # RQ and gunicorn add their own plain-text handlers; everything goes through ours.
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def correlation_id_from(value: str | None) -> str:
    """A well-formed incoming id is kept; anything else gets a new one."""
    return value if value and _CID.match(value) else uuid.uuid4().hex


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _start() -> None:
        g.correlation_id = correlation_id_from(request.headers.get("X-Correlation-ID"))
        jobs.CORRELATION_ID.set(g.correlation_id)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(resp: Response) -> Response:
        resp.headers["X-Correlation-ID"] = g.get("correlation_id", "")
        endpoint = request.endpoint or "unmatched"
        if endpoint == "static":
            return resp
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        REQUESTS.labels(request.method, endpoint, str(resp.status_code)).inc()
        RESPONSES.labels(f"{resp.status_code // 100}xx").inc()
        LATENCY.labels(request.method, endpoint).observe(seconds)
        if endpoint in _LOGIN_ENDPOINTS and request.method == "POST" and resp.status_code == 401:
            LOGIN_FAILURES.inc()
        slow = seconds >= current_app.config["SLOW_REQUEST_SECONDS"]
        if slow:
            SLOW.labels(endpoint).inc()
        _request_line(resp.status_code, seconds, slow)
        _count_minute(resp.status_code)
        return resp


def _request_line(status: int, seconds: float, slow: bool) -> None:
    from flask_login import current_user

    level = logging.WARNING if slow else logging.INFO
    if not log.isEnabledFor(level):
        return  # LOG_LEVEL above INFO: build no record for a line nobody writes
    user_id = getattr(current_user, "id", None) if current_user and current_user.is_authenticated else None
    log.log(
        level,
        "slow request" if slow else "request",
        extra={
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "user_id": str(user_id) if user_id is not None else None,
            "remote_addr": request.remote_addr,
        },
    )


class MinuteCounts:
    """Responses and 5xx per minute, for the dashboard's System Health (a 15-minute window in Redis).

    Counted in process and written to Redis at most once every `flush_seconds` (one pipeline for all
    pending minutes), and at once on a 5xx, so the error share the health check reads is never late
    by more than that: a Redis round trip per request cost more than the rest of a small page.
    """

    def __init__(self, flush_seconds: float = 1.0, clock: Any = time.time) -> None:
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[int, list[int]] = {}
        self._flushed_at = clock()

    def add(self, status: int) -> None:
        now = self._clock()
        with self._lock:
            counts = self._pending.setdefault(int(now // 60), [0, 0])
            counts[0] += 1
            if status >= 500:
                counts[1] += 1
            due = status >= 500 or now - self._flushed_at >= self.flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
            self._flushed_at = self._clock()
        if not pending:
            return
        try:
            pipe = jobs.connection().pipeline(transaction=False)
            for minute, (total, errors) in pending.items():
                key = f"http:minute:{minute}"
                pipe.hincrby(key, "all", total)
                if errors:
                    pipe.hincrby(key, "5xx", errors)
                pipe.expire(key, 1200)
            pipe.execute()
        except (RedisError, OSError, RuntimeError):
            pass  # the health widget shows what reached Redis; a request never fails for its counter


MINUTES = MinuteCounts()
atexit.register(MINUTES.flush)  # a worker that stops hands over what it counted


def _count_minute(status: int) -> None:
    MINUTES.add(status)


def flush_minute_counts() -> None:
    """Write the counts not yet in Redis now (tests; a worker's exit)."""
    MINUTES.flush()


@bp.get("/health")
@public
def health() -> Any:
    return jsonify(status="ok")


def readiness() -> dict[str, str]:
    checks = {}
    try:
        db_session().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        db_session().rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        jobs.connection().ping()
        checks["redis"] = "ok"
    except (RedisError, OSError) as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    return checks


@bp.get("/ready")
@public
def ready() -> Any:
    checks = readiness()
    ok = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ok else "unavailable", checks=checks), 200 if ok else 503


def metrics_allowed(remote_addr: str | None, authorization: str | None, token: str) -> bool:
    """With METRICS_TOKEN: that bearer token only. Without: any loopback address (127.0.0.0/8, ::1)."""
    if token:
        import hmac

        return hmac.compare_digest((authorization or "").encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(remote_addr or "").is_loopback
    except ValueError:
        return False


class _StoresCollector(Collector):
    """Gauges read when scraped: they describe shared stores, not one process."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from rq import Queue
        from rq.registry import FailedJobRegistry

        depth = GaugeMetricFamily("backoffice_rq_queue_depth", "Jobs waiting per queue", labels=["queue"])
        failed = GaugeMetricFamily("backoffice_rq_failed_jobs", "Jobs in the failed registry", labels=["queue"])
        try:
            conn = jobs.connection()
            for name in current_app.config["RQ_QUEUES"]:
                depth.add_metric([name], Queue(name, connection=conn).count)
                failed.add_metric([name], FailedJobRegistry(name, connection=conn).get_job_count(cleanup=False))
        except (RedisError, OSError):
            pass
        yield depth
        yield failed
        lag = GaugeMetricFamily("backoffice_outbox_lag_seconds", "Age of the oldest undelivered event")
        locked = GaugeMetricFamily("backoffice_locked_accounts", "Accounts locked after failed sign-ins")
        try:
            row = db_session().execute(
                text(
                    "SELECT (SELECT extract(epoch FROM now() - min(occurred_at)) FROM outbox"
                    "  WHERE processed_at IS NULL AND parked_at IS NULL),"
                    " (SELECT count(*) FROM users WHERE locked_until > now())"
                )
            ).one()
            lag.add_metric([], float(row[0] or 0))
            locked.add_metric([], float(row[1] or 0))
        except SQLAlchemyError:
            db_session().rollback()
        yield lag
        yield locked


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if current_app.config["PROMETHEUS_MULTIPROC_DIR"]:
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, RESPONSES, LATENCY, SLOW, LOGIN_FAILURES):
            registry.register(collector)
    registry.register(_StoresCollector())
    return registry


@bp.get("/metrics")
@public
def metrics() -> Any:
    token = current_app.config["METRICS_TOKEN"] or ""
    if not metrics_allowed(request.remote_addr, request.headers.get("Authorization"), token):
        if token:
            return jsonify(error={"code": "unauthorized", "message": "Metrics need a token."}), 401
        return jsonify(error={"code": "forbidden", "message": "Metrics are served to loopback only."}), 403
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)
