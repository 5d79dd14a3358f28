"""Building the service Actor from the current request."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from app.auth.permissions import user_grants
from app.services.actor import Actor


def client_ip() -> str | None:
    # ProxyFix (configured by TRUSTED_PROXIES) has already applied X-Forwarded-For.
    return request.remote_addr


def current_actor() -> Actor:
    user = current_user
    if not user.is_authenticated:
        return Actor(
            id=None,
            label="anonymous",
            ip=client_ip(),
            user_agent=request.user_agent.string[:500],
            correlation_id=g.get("correlation_id"),
        )
    return Actor(
        id=user.id,
        label=user.email,
        grants=user_grants(user),
        ip=client_ip(),
        user_agent=request.user_agent.string[:500],
        correlation_id=g.get("correlation_id"),
    )
