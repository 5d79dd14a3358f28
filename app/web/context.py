"""Building the service Actor from the current request."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from app.auth.permissions import user_grants
from app.extensions import db_session
from app.models import User
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


def current_user_model() -> User:
    """The signed-in user as an ORM `User`, for views that change it (`current_user` is a read-only
    `Principal`; see app/auth/principal.py). One primary-key load, in the request's session."""
    if isinstance(current_user._get_current_object(), User):  # signed in during this request
        return current_user._get_current_object()
    user = db_session().get(User, current_user.id)
    if user is None:  # deleted after this request's session was read
        raise LookupError("the signed-in user no longer exists")
    user.current_session_id = current_user.current_session_id
    return user
