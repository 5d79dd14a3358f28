"""JSON API v1 under /api/v1: bearer tokens only, one error envelope, OpenAPI from the same schemas."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, request

from app.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DEFAULTS: dict[str, Any] = {
    "API_JWT_SECRET": None,  # default: derived from SECRET_KEY
    "API_ISSUER": None,  # default: PUBLIC_URL
    "API_AUDIENCE": "backoffice-api",
    "API_ACCESS_TTL_SECONDS": 15 * 60,
    "API_REFRESH_TTL_DAYS": 14,
    "API_REFRESH_IDLE_DAYS": 7,
    "API_RATE_LIMIT": "300 per minute",
    "API_IP_RATE_LIMIT": "600 per minute",
    "API_LOGIN_RATE_LIMIT": "20 per minute",
    "API_REFRESH_RATE_LIMIT": "60 per minute",
    "API_MAX_BODY": 256 * 1024,
}


_configured = False


def _token_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _ip_limit() -> str:
    return current_app.config["API_IP_RATE_LIMIT"]


def _limit_body() -> None:
    # App-wide, so the limit holds before anything (the input checks included) reads the body.
    if request.blueprint == bp.name:
        request.max_content_length = current_app.config["API_MAX_BODY"]


@bp.after_request
def _no_store(resp: Response) -> Response:
    resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def register(app: Flask) -> None:
    from app.api import auth_views, meta_views, resources  # noqa: F401 - routes register on import
    from app.api.errors import register_errors
    from app.api.security import rate_key

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    global _configured
    if not _configured:  # blueprint setup happens once, before its first registration
        _configured = True
        register_errors(bp)
        limiter.limit(_token_limit, key_func=rate_key)(bp)
        limiter.limit(_ip_limit)(bp)
        csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(meta_views.docs_bp)
    app.before_request(_limit_body)
