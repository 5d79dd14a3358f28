"""The one error envelope of /api/v1: {"error": {"code", "message", "details"}}. Never HTML."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from app.extensions import db_session, limiter
from app.outage import STORE_ERRORS, is_store_outage
from app.services.errors import DomainError

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}

MESSAGES = {
    401: "Authentication required: send a valid bearer access token.",
    403: "You do not have permission to do this.",
    404: "There is nothing at this address.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    429: "Too many requests. Wait a moment and try again.",
}


class ApiError(DomainError):
    """An API-level refusal with an explicit status (bad JSON, wrong content type, stale ETag)."""

    def __init__(self, status: int, message: str, details: dict[str, Any] | None = None, code: str = "") -> None:
        super().__init__(message, details)
        self.status = status
        self.code = code or CODES.get(status, "error")


def envelope(status: int, message: str, code: str | None = None, details: dict[str, Any] | None = None) -> Response:
    resp = jsonify({"error": {"code": code or CODES.get(status, "error"), "message": message,
                              "details": details or {}}})
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return resp


def _retry_after() -> int:
    current = limiter.current_limit
    if current is not None:
        return max(1, int(current.reset_at - time.time()))
    return 60


def register_errors(bp: Blueprint) -> None:
    @bp.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        return envelope(exc.status, exc.message, exc.code, exc.details)

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = MESSAGES.get(status) or exc.description or CODES.get(status, "error")
        resp = envelope(status, message)
        if status == 429:
            resp.headers["Retry-After"] = str(_retry_after())
        if status == 405 and exc.response is None:
            allowed = getattr(exc, "valid_methods", None)
            if allowed:
                resp.headers["Allow"] = ", ".join(allowed)
        return resp

    @bp.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Response:
        # A race the service's own check could not see (e.g. two creates with one email).
        db_session().rollback()
        return envelope(409, "This conflicts with another record that was just saved. Reload and try again.")

    @bp.errorhandler(DataError)
    def _bad_value(exc: DataError) -> Response:
        db_session().rollback()
        return envelope(422, "A value is out of range or not acceptable.")

    def _database_down(exc: Exception) -> Response:
        if not is_store_outage(exc):
            return _unexpected(exc)  # a driver error of another kind
        log.warning("store unavailable: %s", type(exc).__name__)
        db_session().rollback()
        resp = envelope(503, "The service is temporarily unavailable. Try again shortly.")
        resp.headers["Retry-After"] = "5"
        return resp

    @bp.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled API error")
        return envelope(500, "Something went wrong on our side. It has been logged.")

    for error in STORE_ERRORS:
        bp.register_error_handler(error, _database_down)
