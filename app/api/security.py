"""Bearer-token authentication for /api/v1: the session cookie is never consulted."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from app.auth.permissions import explain_user, scope_misses, user_grants
from app.extensions import db_session
from app.models import User
from app.services import tokens
from app.services.actor import Actor
from app.services.errors import NotFound, PermissionDenied

F = TypeVar("F", bound=Callable[..., Any])


def token_settings() -> tokens.TokenSettings:
    cfg = current_app.config
    secret = cfg["API_JWT_SECRET"] or hmac.new(
        cfg["SECRET_KEY"].encode(), b"backoffice-api-jwt", hashlib.sha256
    ).hexdigest()
    return tokens.TokenSettings(
        secret=secret,
        issuer=cfg["API_ISSUER"] or cfg["PUBLIC_URL"],
        audience=cfg["API_AUDIENCE"],
        access_ttl=timedelta(seconds=cfg["API_ACCESS_TTL_SECONDS"]),
        refresh_ttl=timedelta(days=cfg["API_REFRESH_TTL_DAYS"]),
        refresh_idle=timedelta(days=cfg["API_REFRESH_IDLE_DAYS"]),
    )


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def rate_key() -> str:
    """Per token when one is sent (hashed, never stored in clear), else per address."""
    token = bearer_token()
    if token:
        return "tok:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "ip:" + (get_remote_address() or "-")


def current_api_user() -> User:
    return g.api_user


def api_actor() -> Actor:
    user: User | None = g.get("api_user")
    common = {
        "ip": request.remote_addr,
        "user_agent": request.user_agent.string[:500],
        "correlation_id": g.get("correlation_id"),
    }
    if user is None:
        return Actor(id=None, label="anonymous", **common)
    return Actor(id=user.id, label=user.email, grants=user_grants(user), **common)


def authenticate() -> User:
    token = bearer_token()
    if token is None:
        raise tokens.TokenInvalid("Authentication required: send a bearer access token.", code_missing())
    user = tokens.user_for_access(db_session(), token, token_settings())
    g.api_user = user
    return user


def code_missing() -> dict[str, Any]:
    return {"header": "Authorization: Bearer <access_token>"}


def api_require(permission: str) -> Callable[[F], F]:
    """Deny unless a valid access token of a user holding `permission` comes with the request."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = authenticate()
            if permission != "authenticated":
                answer = explain_user(user, permission, any_object=True)
                if not answer.allowed:
                    raise PermissionDenied(f"You do not have permission to do this ({permission}).",
                                           {"missing": [answer.missing]})
                if scope_misses(user_grants(user), permission, kwargs):
                    # A scoped grant for other objects: this one is not there for the caller (before the body).
                    raise NotFound("There is no such object.")
            return view(*args, **kwargs)

        # A marker the route inventory reads; mypy has no way to declare an attribute on a function.
        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return cast(F, wrapped)

    return decorator
