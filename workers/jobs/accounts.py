"""Account jobs: the work behind /password/forgot, off the request so every address answers alike."""

from __future__ import annotations

from app.extensions import db_session
from app.services import accounts
from app.services.actor import Actor


def request_reset(email: str, ip: str | None = None, user_agent: str | None = None) -> None:
    import app.services.handlers  # noqa: F401 - registers handlers

    actor = Actor(id=None, label="password-reset", grants=frozenset(), ip=ip, user_agent=user_agent)
    accounts.request_reset(db_session(), actor, email)
