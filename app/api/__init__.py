"""JSON API v1 under /api/v1: bearer tokens only, one error envelope, OpenAPI from the same schemas."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request

from app.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Its settings (API_*: token signing and lifetimes, rate limits, body size) are fields of app.config.Config.
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

    global _configured
    if not _configured:  # blueprint setup happens once, before its first registration
        _configured = True
        register_errors(bp)
        limiter.limit(_token_limit, key_func=rate_key)(bp)
        limiter.limit(_ip_limit)(bp)
        csrf.exempt(bp)
    app.register_blueprint(bp)
    app.before_request(_limit_body)
