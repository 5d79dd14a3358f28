"""JSON logs with a correlation id per request, Prometheus metrics, /health and /ready."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pythonjsonlogger.json import JsonFormatter
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.auth.permissions import public
from app.extensions import db
from app.services import jobs

bp = Blueprint("ops", __name__)

REQUESTS = Counter("backoffice_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram("backoffice_http_request_seconds", "Request latency", ["endpoint"])
_CID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from flask import has_request_context

        if not hasattr(record, "correlation_id"):
            record.correlation_id = g.get("correlation_id") if has_request_context() else jobs.CORRELATION_ID.get()
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s", timestamp=False)
    )
    handler.addFilter(_ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Correlation-ID", "")
        g.correlation_id = incoming if _CID.match(incoming) else uuid.uuid4().hex
        jobs.CORRELATION_ID.set(g.correlation_id)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(resp: Response) -> Response:
        resp.headers["X-Correlation-ID"] = g.get("correlation_id", "")
        endpoint = request.endpoint or "unmatched"
        if endpoint != "static":
            REQUESTS.labels(request.method, endpoint, str(resp.status_code)).inc()
            LATENCY.labels(endpoint).observe(time.perf_counter() - g.get("started", time.perf_counter()))
            _count_minute(resp.status_code)
        return resp


def _count_minute(status: int) -> None:
    """Responses and 5xx per minute in Redis, for the dashboard's System Health (15-minute window)."""
    key = f"http:minute:{int(time.time() // 60)}"
    try:
        pipe = jobs.connection().pipeline(transaction=False)
        pipe.hincrby(key, "all", 1)
        if status >= 500:
            pipe.hincrby(key, "5xx", 1)
        pipe.expire(key, 1200).execute()
    except (RedisError, OSError, RuntimeError):
        pass


@bp.get("/health")
@public
def health() -> Any:
    return jsonify(status="ok")


def readiness() -> dict[str, str]:
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        db.session.rollback()
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


@bp.get("/metrics")
@public
def metrics() -> Any:
    # Not for the public: a bearer token when METRICS_TOKEN is set, else loopback only.
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        if request.headers.get("Authorization") != f"Bearer {token}":
            return jsonify(error={"code": "unauthorized", "message": "Metrics need a token."}), 401
    elif request.remote_addr not in {"127.0.0.1", "::1"}:
        return jsonify(error={"code": "forbidden", "message": "Metrics are served to loopback only."}), 403
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
